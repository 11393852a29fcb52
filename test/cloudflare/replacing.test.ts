import { streamReplaceContract } from "../contract/streams.contract.js";
import { workerTarget } from "./target.js";

const target = workerTarget();
streamReplaceContract(() => target);
