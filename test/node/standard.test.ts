import { standardContracts } from "../contract/standard.contract.js";
import { nodeTarget } from "./node-target.js";

standardContracts(nodeTarget("standard"));
