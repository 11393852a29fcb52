import { standardContracts } from "../contract/standard.contract.js";
import { workerTarget } from "./target.js";

// The whole suite with every stream on a relay (RELAY_AFTER=0, two relays).
const target = workerTarget();
standardContracts(() => target);
