import { limitsContract } from "../contract/limits.contract.js";
import { nodeTarget } from "./node-target.js";

limitsContract(nodeTarget("tight"));
