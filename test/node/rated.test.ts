import { ratesContract } from "../contract/rates.contract.js";
import { nodeTarget } from "./node-target.js";

ratesContract(nodeTarget("rated"));
