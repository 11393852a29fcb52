/**
 * herald/server: what a backend calls (docs/server.md). Depends on jose
 * only, and on nothing Node-only: it runs on Node ≥ 20, Workers, Deno and Bun.
 */
export { Herald } from "./herald.js";
export type { BatchEvent, HeraldOptions, HistoryOptions, HistoryPage, Presence, Published, PublishOptions, TopicStats } from "./herald.js";
export { HeraldError } from "./error.js";
export type { RetryOptions, FetchLike } from "./hub-request.js";
export type { TokenOptions } from "./tokens.js";
