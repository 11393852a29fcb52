import { authContract } from "./auth.contract.js";
import type { TargetSource } from "./harness.js";
import { multiplexContract } from "./multiplex.contract.js";
import { publishSubscribeContract } from "./publish-subscribe.contract.js";
import { refusalsContract } from "./refusals.contract.js";
import { replayContract } from "./replay.contract.js";
import { historyContract } from "./history.contract.js";
import { batchContract } from "./batch.contract.js";
import { presenceContract } from "./presence.contract.js";

/** Every contract that runs under the standard profile (and the Worker's relayed one). */
export function standardContracts(target: TargetSource): void {
  publishSubscribeContract(target);
  replayContract(target);
  historyContract(target);
  batchContract(target);
  presenceContract(target);
  authContract(target);
  refusalsContract(target);
  multiplexContract(target);
}
