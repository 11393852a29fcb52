import { limitsContract } from "../contract/limits.contract.js";
import { workerTarget } from "./target.js";

const target = workerTarget();
limitsContract(() => target);
