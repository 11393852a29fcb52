import { useEffect, useLayoutEffect, useRef, useState } from "react";
import {
  connect,
  type ConnectionState,
  type ConnectOptions,
  type HeraldClient,
  type HeraldClientError,
  type HeraldEvent,
  type HeraldGap,
} from "../client/index.js";

export interface UseHeraldOptions<Events extends Record<string, unknown>> extends ConnectOptions {
  /** `false` keeps the connection closed (e.g. until the user has signed in). */
  enabled?: boolean;
  /** Handlers by event name. They, like the other callbacks, may change on every render without reconnecting. */
  on?: { [K in keyof Events & string]?: (event: HeraldEvent<Events[K]>) => void };
  /** Every event the connection listens for (see the client's `onAny`). */
  onEvent?: (event: HeraldEvent) => void;
  onGap?: (gap: HeraldGap) => void;
  onError?: (error: HeraldClientError) => void;
}

export interface HeraldStatus<Events extends Record<string, unknown>> {
  state: ConnectionState;
  reconnects: number;
  /** Why the connection closed, if it gave up. */
  error: HeraldClientError | undefined;
  /** The live client (for subscribe, cursor, ...), once connected. */
  client: HeraldClient<Events> | undefined;
}

/**
 * A Herald connection for as long as the component is mounted. It
 * reconnects when `url`, `topics`, a string `token`, the handled event
 * names or `enabled` change, carrying the cursor over so that kept topics
 * lose and repeat nothing; other options are read when it connects.
 * Unmounting closes it.
 */
export function useHerald<Events extends Record<string, unknown> = Record<string, unknown>>(
  options: UseHeraldOptions<Events>,
): HeraldStatus<Events> {
  const enabled = options.enabled !== false;
  const latest = useRef(options);
  const cursor = useRef(options.lastEventId);
  const [status, setStatus] = useState<HeraldStatus<Events>>({
    state: enabled ? "connecting" : "closed",
    reconnects: 0,
    error: undefined,
    client: undefined,
  });
  useLayoutEffect(() => {
    latest.current = options;
  });

  const topicsKey = options.topics.join(",");
  const tokenKey = typeof options.token === "function" ? "\0function" : (options.token ?? "");
  const namesKey = [...Object.keys(options.on ?? {}), ...(options.events ?? [])].sort().join(",");

  useEffect(() => {
    if (!enabled) {
      setStatus({ state: "closed", reconnects: 0, error: undefined, client: undefined });
      return;
    }
    const client = connect<Events>({
      ...latest.current,
      topics: topicsKey.split(","),
      token: typeof latest.current.token === "function" ? latestToken(latest) : latest.current.token,
      lastEventId: cursor.current,
      events: namesKey === "" ? [] : namesKey.split(","),
    });
    const update = () => setStatus({ state: client.state, reconnects: client.reconnects, error: client.error, client });
    update();
    const stops = [
      client.onState(update),
      client.onAny((event) => {
        latest.current.onEvent?.(event);
        const handler = latest.current.on?.[event.event as keyof Events & string] as ((e: HeraldEvent) => void) | undefined;
        handler?.(event);
      }),
      client.onGap((gap) => latest.current.onGap?.(gap)),
      client.onError((error) => latest.current.onError?.(error)),
    ];
    return () => {
      for (const stop of stops) stop();
      cursor.current = client.cursor;
      client.close();
    };
  }, [enabled, options.url, topicsKey, tokenKey, namesKey]);

  return status;
}

/** The token function of the latest render, so a new function each render does not reconnect. */
function latestToken(latest: { current: ConnectOptions }): () => string | Promise<string> {
  return () => {
    const token = latest.current.token;
    return typeof token === "function" ? token() : (token ?? "");
  };
}
