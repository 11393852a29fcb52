import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { get as httpGet, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, publish, publishOk, sleep, statsOf, subscribe, subscribeRaw, tokenFor, uniqueTopic, type Target } from "../contract/harness.js";
import { TEST_SECRET } from "../contract/profiles.js";
import { HubProcess } from "./hub-process.js";
import { NODE_BUNDLE } from "../../src/tools/build-node.ts";

/** What only a process has: crashes, signals, a process-wide cap, /metrics. */
const running: HubProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((hub) => hub.stop("SIGKILL")));
});

async function startHub(env: Record<string, string> = {}, bundle?: string, cwd?: string, nodeArgs?: string[]): Promise<{ hub: HubProcess; target: Target }> {
  const dir = mkdtempSync(join(tmpdir(), "herald-process-"));
  const hub = new HubProcess({ JWT_SECRET: TEST_SECRET, HERALD_DB: join(dir, "herald.db"), ...env }, bundle, cwd, nodeArgs);
  running.push(hub);
  await hub.start();
  return { hub, target: { name: "node", profile: "standard", privateJwks: [], fetch: hub.fetch } };
}

async function metric(hub: HubProcess, name: string): Promise<number> {
  const text = await (await hub.fetch("/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no metric ${name} in:\n${text}`);
  return Number(line.split(" ")[1]);
}

describe("node process", () => {
  it("keeps acknowledged events through a crash (SIGKILL) and replays exactly what was missed", async () => {
    const { hub, target } = await startHub();
    const topic = uniqueTopic();
    const stream = await subscribe(target, topic);
    for (let i = 1; i <= 3; i++) await publishOk(target, topic, { data: i });
    const seen = await stream.take(3);
    await stream.close();
    for (let i = 4; i <= 6; i++) await publishOk(target, topic, { data: i });

    await hub.crashAndRestart();
    const again = await subscribe(target, topic, { lastEventId: seen.at(-1)!.id });
    expect((await again.take(3)).map((e) => e.data)).toEqual(["4", "5", "6"]);
    await publishOk(target, topic, { data: 7 });
    expect((await again.next()).data).toBe("7");
    await again.expectQuiet();
  });

  it("on SIGTERM ends every stream cleanly, closes the database and exits 0", async () => {
    const { hub, target } = await startHub();
    const topic = uniqueTopic();
    const streams = [await subscribe(target, topic), await subscribe(target, uniqueTopic())];
    const { id } = await publishOk(target, topic, { data: "before" });
    const started = Date.now();
    expect(await hub.stop("SIGTERM")).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const stream of streams) await stream.until(() => stream.ended, 2000, "the stream to end");

    await hub.start();
    const resumed = await subscribe(target, topic, { lastEventId: id });
    await publishOk(target, topic, { data: "after" });
    expect((await resumed.next()).data).toBe("after");
  });

  it("answers 503 past MAX_CONNECTIONS, across topics, and frees the slot when a client leaves", async () => {
    const { hub, target } = await startHub({ MAX_CONNECTIONS: "2" });
    const first = await subscribe(target, uniqueTopic());
    await subscribe(target, uniqueTopic());
    const refused = await subscribeRaw(target, uniqueTopic());
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: "server_full" });
    await first.close();
    await eventually(async () => (await metric(hub, "herald_open_streams")) === 1, 5000, "the slot to free");
    expect((await subscribeRaw(target, uniqueTopic())).status).toBe(200);
  });

  it("serves Prometheus metrics that follow what happens", async () => {
    const { hub, target } = await startHub();
    const topic = uniqueTopic();
    const a = await subscribe(target, topic);
    await subscribe(target, topic);
    const { id } = await publishOk(target, topic, { data: 1 });
    await publishOk(target, topic, { data: 2 });
    await a.take(2);
    await subscribe(target, topic, { lastEventId: id });
    await subscribeRaw(target, topic, { token: "nonsense" });
    await subscribeRaw(target, topic, { token: await tokenFor(target, {}) });

    const text = await (await hub.fetch("/metrics")).text();
    expect(text).toContain("# TYPE herald_open_streams gauge");
    expect(await metric(hub, "herald_open_streams")).toBe(3);
    expect(await metric(hub, "herald_topics")).toBe(1);
    expect(await metric(hub, "herald_published_events_total")).toBe(2);
    expect(await metric(hub, "herald_delivered_events_total")).toBe(4);
    expect(await metric(hub, "herald_replayed_events_total")).toBe(1);
    expect(await metric(hub, "herald_auth_failures_total")).toBe(2);
    expect(await metric(hub, "herald_dropped_slow_consumers_total")).toBe(0);
  });

  it.each([
    ["with a Content-Length", (n: number) => `content-length: ${n + 100}\r\n`],
    ["chunked", () => "transfer-encoding: chunked\r\n"],
  ])("counts a publisher that goes away mid-body (%s), publishes nothing and logs no fault", async (_, framing) => {
    const { hub, target } = await startHub();
    const topic = uniqueTopic();
    const token = await tokenFor(target, { publish: [topic] });
    const part = '{"data": "half of it';
    const body = framing(part.length).startsWith("transfer") ? `${part.length.toString(16)}\r\n${part}\r\n` : part;
    const { port } = new URL(hub.url);
    await new Promise<void>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: Number(port) }, () => {
        socket.write(`POST /topics/${topic} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\n${framing(part.length)}\r\n${body}`);
        // The client is gone before the rest of its body: a reset, as a dropped connection gives.
        setTimeout(() => (socket.resetAndDestroy(), resolve()), 100);
      });
      socket.on("error", () => undefined);
    });
    await eventually(async () => (await metric(hub, "herald_client_aborts_total")) === 1, 5000, "the abort to be counted");
    await sleep(100);
    expect(hub.output).not.toContain("unexpected error");
    expect((await statsOf(target, topic)).lastId).toBeNull();
  });

  it("counts publishes refused past their rate", async () => {
    const { hub, target } = await startHub({ PUBLISH_RATE: "1", PUBLISH_BURST: "1" });
    const topic = uniqueTopic();
    const token = await tokenFor(target, { publish: [topic] }, { sub: "counted" });
    expect((await publish(target, topic, { data: 1 }, { token })).status).toBe(201);
    expect((await publish(target, topic, { data: 2 }, { token })).status).toBe(429);
    expect(await metric(hub, "herald_rate_limited_total")).toBe(1);
    expect(await metric(hub, 'herald_refusals_total{reason="rate_limited"}')).toBe(1);
  });

  it("counts anonymous streams by the socket's address, on both of its paths; X-Forwarded-For only with TRUST_PROXY", async () => {
    const { hub, target } = await startHub({ PUBLIC_TOPICS: "open:*", MAX_ANON_STREAMS_PER_IP: "1" });
    const topic = `open:${uniqueTopic()}`;
    // A plain stream request (answered on the bare socket), then a multiplexed one (node:http's).
    const first = await subscribe(target, topic, { token: null, headers: { "x-forwarded-for": "198.51.100.1" } });
    const refused = await subscribeRaw(target, "", { token: null, query: { topics: topic }, headers: { "x-forwarded-for": "198.51.100.2" } }, "/stream");
    expect(refused.status).toBe(429);
    expect(await metric(hub, 'herald_refusals_total{reason="too_many_streams"}')).toBe(1);
    // Another address on the same machine is another client.
    const url = new URL(`/topics/${topic}`, hub.url);
    const other = await new Promise<IncomingMessage>((resolve, reject) =>
      httpGet({ host: url.hostname, port: url.port, path: url.pathname, localAddress: "127.0.0.2" }, resolve).on("error", reject),
    );
    expect(other.statusCode).toBe(200);
    other.destroy();
    await first.close();

    const proxied = await startHub({ PUBLIC_TOPICS: "open:*", MAX_ANON_STREAMS_PER_IP: "1", TRUST_PROXY: "1" });
    const from = (address: string) => ({ token: null, headers: { "x-forwarded-for": address } });
    await subscribe(proxied.target, topic, from("198.51.100.1"));
    await subscribe(proxied.target, topic, from("198.51.100.2"));
    expect((await subscribeRaw(proxied.target, topic, from("203.0.113.9, 198.51.100.2"))).status).toBe(429);
  });

  it("commits concurrent publishes together, and delivers them all in id order after the commit", async () => {
    const { hub, target } = await startHub();
    const topic = uniqueTopic();
    const stream = await subscribe(target, topic);
    const before = await metric(hub, "herald_commits_total");
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => publishOk(target, topic, { data: i })));
    const commits = (await metric(hub, "herald_commits_total")) - before;
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(40);
    const events = await stream.take(40);
    const order = (id: string) => Number(id.slice(id.lastIndexOf("-") + 1));
    expect(events.map((e) => order(e.id!))).toEqual(results.map((r) => order(r.id)).sort((a, b) => a - b));
    expect(new Set(events.map((e) => e.data)).size).toBe(40);
    await stream.expectQuiet();
  });

  it("compiles hot code without V8's Maglev tier, unless the command line asks for it", async () => {
    // --trace-opt makes V8 print each function it optimizes, with the tier.
    const tiers = async (nodeArgs: string[]) => {
      const { hub } = await startHub({}, undefined, undefined, ["--trace-opt", ...nodeArgs]);
      for (let i = 0; i < 3000; i++) expect((await hub.fetch("/health")).status).toBe(200);
      // Node's own start-up runs before the hub can set anything: judge what follows.
      const output = hub.output.slice(hub.output.indexOf("listening on"));
      await hub.stop();
      return { maglev: /target MAGLEV/.test(output), turbofan: /target TURBOFAN/.test(output) };
    };
    expect(await tiers([])).toEqual({ maglev: false, turbofan: true });
    expect(await tiers(["--maglev"])).toEqual({ maglev: true, turbofan: true });
  }, 60_000);

  it("refuses a bad setting or flag with one line naming it and exit code 2, no stack trace", () => {
    const run = (env: Record<string, string>, args: string[] = []) =>
      spawnSync(process.execPath, [NODE_BUNDLE, ...args], { env: { PATH: process.env["PATH"] ?? "", PORT: "0", HERALD_DB: ":memory:", ...env }, encoding: "utf8", timeout: 10_000 });
    for (const [env, args, named] of [
      [{ JWT_SECRET: "short" }, [], "JWT_SECRET must be at least 32 bytes"],
      [{ PORT: "eighty" }, [], 'PORT must be an integer from 0 to 65535, got "eighty"'],
      [{ STREAMS_PER_USER_POLICY: "kick" }, [], "STREAMS_PER_USER_POLICY must be one of refuse, replace"],
      [{}, ["--port=1"], "unknown flag --port=1"],
    ] as const) {
      const result = run(env, [...args]);
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr.trim().split("\n")).toEqual([expect.stringContaining(`herald: ${named}`)]);
    }
  });

  it("runs from the single built file, with no node_modules beside it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-bundle-"));
    const bundle = join(dir, "herald-node.mjs");
    copyFileSync(NODE_BUNDLE, bundle);
    const { target } = await startHub({}, bundle, dir);
    const response = await target.fetch("/health");
    expect(await response.json()).toMatchObject({ status: "ok" });
    const topic = uniqueTopic();
    const stream = await subscribe(target, topic);
    await publishOk(target, topic, { data: "from the bundle" });
    expect((await stream.next()).data).toBe("from the bundle");
  });
});
