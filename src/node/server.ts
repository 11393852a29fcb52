import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener, RequestError, type Http2Bindings, type HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Authenticator } from "../core/auth.js";
import { parseConfig, parseServerConfig, type RawEnv } from "../core/config.js";
import { errorResponse, HeraldError, type ErrorCode } from "../core/errors.js";
import { RateLimits } from "../core/rate-limits.js";
import { StreamOwners } from "../core/stream-owners.js";
import { applyMigrations } from "../core/sql.js";
import { createApp, type Runtime } from "../http/app.js";
import { MIGRATIONS } from "../migrations.js";
import { writeResponse } from "./bare-response.js";
import { clientAddressOf, type NodeBindings } from "./client-address.js";
import { metricsText } from "./metrics.js";
import { NodeHub } from "./node-hub.js";
import { openSqlite } from "./sql.js";
import { openStreamDoor } from "./stream-door.js";
import { startOnResponse, startOnSocket } from "./stream-start.js";

/** How often topics are ticked: heartbeats and token expiry. */
const TICK_MS = 1000;
/**
 * Connections the kernel may queue before they are accepted. Node's default
 * (511) overflows when thousands of subscribers reconnect at once, and a
 * dropped connection attempt is retried only after a second. Linux caps it
 * at net.core.somaxconn (4096 by default).
 */
const LISTEN_BACKLOG = 4096;
/** How long open connections get to finish after streams are ended. */
const DRAIN_MS = 2000;

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** The same Hono app as the Worker, over in-process topics and one SQLite file. */
export async function startServer(env: RawEnv): Promise<RunningServer> {
  const config = parseConfig(env);
  const server = parseServerConfig(env);
  if (server.database !== ":memory:") mkdirSync(dirname(server.database), { recursive: true });
  const sql = openSqlite(server.database);
  applyMigrations(sql, MIGRATIONS);

  const hub = new NodeHub(sql, config, server.maxConnections);
  const publishers = new RateLimits(config.publishRate);
  const refusals = new Map<ErrorCode, number>();
  const owners = new StreamOwners();
  const runtime: Runtime = {
    config,
    hub,
    auth: new Authenticator(config),
    every: hub.every,
    limitPublisher: config.publishRate.rate > 0 ? async (publisher, n) => publishers.take(publisher, n, Date.now(), "this publisher") : undefined,
    streamOwners:
      config.maxStreamsPerUser > 0 || config.maxAnonStreamsPerIp > 0
        ? { admit: async (rule) => owners.admit(rule), check: async (rule) => owners.check(rule) }
        : undefined,
    clientAddress: clientAddressOf(server.trustProxy),
    onRefusal: (error) => {
      refusals.set(error.code, (refusals.get(error.code) ?? 0) + 1);
    },
  };
  const app = createApp<NodeBindings>(() => runtime);
  let closing = false;
  const fetch = async (request: Request, env: HttpBindings | Http2Bindings): Promise<Response> => {
    // @hono/node-server lets some Hosts through unparsed (1.2.3.256): a URL that cannot be built is the client's error.
    const url = URL.parse(request.url);
    if (url === null) return errorResponse(new HeraldError("bad_request", "malformed request: its Host and target make no URL"));
    // (The server is plain HTTP/1.1: `outgoing` is a ServerResponse.)
    const { incoming, outgoing } = env as HttpBindings;
    const response =
      request.method === "GET" && url.pathname === "/metrics"
        ? new Response(metricsText({ counters: hub.counters, topics: hub.topics, refusals, commits: hub.commits }), {
            headers: { "content-type": "text/plain; version=0.0.4" },
          })
        : await app.fetch(request, { address: incoming.socket.remoteAddress });
    const sink = hub.claim(response);
    if (sink === undefined) {
      // Once closing, a keep-alive connection would otherwise idle on until the drain ends it.
      if (closing) outgoing.setHeader("connection", "close");
      return response;
    }
    startOnResponse(sink, response, outgoing);
    return RESPONSE_ALREADY_SENT;
  };

  const http = createServer(getRequestListener(fetch, { hostname: server.host, errorHandler: requestFailed }));
  const door = openStreamDoor(http, async (request, socket) => {
    const response = await app.fetch(request, { address: socket.remoteAddress });
    const sink = hub.claim(response);
    if (sink === undefined) return writeResponse(socket, response);
    startOnSocket(sink, response, socket);
  });
  await new Promise<void>((resolve) => http.listen({ port: server.port, host: server.host, backlog: LISTEN_BACKLOG }, resolve));
  const ticker = setInterval(() => hub.tick(Date.now()), TICK_MS);
  const { port } = http.address() as AddressInfo;

  return {
    url: `http://${server.host.includes(":") ? `[${server.host}]` : server.host}:${port}`,
    async close() {
      closing = true;
      clearInterval(ticker);
      const closed = new Promise((resolve) => http.close(resolve));
      await hub.close();
      // The ended streams leave idle keep-alive connections behind.
      setImmediate(() => http.closeIdleConnections());
      const force = setTimeout(() => {
        http.closeAllConnections();
        door.destroyAll();
      }, DRAIN_MS);
      await closed;
      clearTimeout(force);
      sql.close();
    },
  };
}

/**
 * What @hono/node-server could not turn into a Request (a Host or target no
 * URL can be built from) is the client's error; anything else is ours.
 */
function requestFailed(error: unknown): Response {
  if (error instanceof RequestError) return errorResponse(new HeraldError("bad_request", `malformed request: ${error.message}`));
  console.error("herald: a request failed", error);
  return errorResponse(new HeraldError("internal", "internal error"));
}
