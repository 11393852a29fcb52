import type { Context } from "hono";

/** What the Node entry hands the app with each request: the socket's peer. */
export interface NodeBindings {
  address?: string;
}

/**
 * The address a request came from: the socket's peer, or behind a proxy
 * (TRUST_PROXY) the last address in X-Forwarded-For, the one the proxy
 * itself added; those before it are whatever the client wrote.
 */
export function clientAddressOf(trustProxy: boolean): (c: Context) => string | undefined {
  return (c) => (trustProxy ? lastForwardedFor(c.req.header("x-forwarded-for")) : undefined) ?? (c.env as NodeBindings).address;
}

function lastForwardedFor(header: string | undefined): string | undefined {
  const last = header?.split(",").at(-1)?.trim();
  return last === undefined || last === "" ? undefined : last;
}
