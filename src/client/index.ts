import { HeraldConnection } from "./connection.js";
import type { ConnectOptions, HeraldClient } from "./types.js";

/**
 * Opens a connection to a Herald hub's `/stream` with the given topics.
 * `Events` maps event names to the type their data parses to, for `on()`.
 *
 * ```ts
 * const herald = connect<{ update: { orderId: number } }>({ url, topics: ["orders"], token: getToken });
 * herald.on("update", (e) => console.log(e.topic, e.json().orderId));
 * ```
 */
export function connect<Events extends Record<string, unknown> = Record<string, unknown>>(options: ConnectOptions): HeraldClient<Events> {
  return new HeraldConnection<Events>(options);
}

export { HeraldClientError } from "./error.js";
export { positionOf, sourceOf } from "./cursor.js";
export type {
  BackoffOptions,
  ConnectionState,
  ConnectOptions,
  EventSourceConstructor,
  EventSourceLike,
  FetchLike,
  HeraldClient,
  HeraldEvent,
  HeraldGap,
  MessageEventLike,
  ResponseLike,
  TokenSource,
} from "./types.js";
