export { useHerald, type HeraldStatus, type UseHeraldOptions } from "./use-herald.js";
export * from "../client/index.js";
