import { ratesContract } from "../contract/rates.contract.js";
import { workerTarget } from "./target.js";

const target = workerTarget();
ratesContract(() => target);
