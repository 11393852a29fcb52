import { authContract } from "../contract/auth.contract.js";
import { multiplexContract } from "../contract/multiplex.contract.js";
import { publishSubscribeContract } from "../contract/publish-subscribe.contract.js";
import { refusalsContract } from "../contract/refusals.contract.js";
import { replayContract } from "../contract/replay.contract.js";
import { nodeTarget } from "./node-target.js";

const target = nodeTarget("standard");
publishSubscribeContract(target);
replayContract(target);
authContract(target);
refusalsContract(target);
multiplexContract(target);
