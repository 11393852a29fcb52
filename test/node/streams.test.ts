import { streamLimitsContract } from "../contract/streams.contract.js";
import { nodeTarget } from "./node-target.js";

streamLimitsContract(nodeTarget("streams"));
