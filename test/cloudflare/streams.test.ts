import { streamLimitsContract } from "../contract/streams.contract.js";
import { workerTarget } from "./target.js";

const target = workerTarget();
streamLimitsContract(() => target);
