import { streamReplaceContract } from "../contract/streams.contract.js";
import { nodeTarget } from "./node-target.js";

streamReplaceContract(nodeTarget("replacing"));
