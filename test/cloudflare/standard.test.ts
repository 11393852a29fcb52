import { standardContracts } from "../contract/standard.contract.js";
import { workerTarget } from "./target.js";

const target = workerTarget();
standardContracts(() => target);
