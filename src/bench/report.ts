import type { Case, RunResult } from "./scenarios.ts";
import { TARGET_LABELS, type TargetName } from "./targets.ts";

/**
 * Medians over repetitions, the markdown tables with Herald/nchan and
 * Herald/baseline ratios, and the SVG chart, all from the raw runs. The
 * document is regenerated whole by every full run, text included, so the
 * numbers and the words about how they were taken never drift apart.
 */
export interface BenchMeta {
  date: string;
  command: string;
  quick: boolean;
  reps: number;
  machine: { nproc: number; cpu: string; ramGiB: number; kernel: string };
  versions: Record<string, string>;
  worker?: { workerJsBytes: number; workerJsGzipBytes: number; wranglerTotal: string };
  notes: string[];
  loadAverage: { start: number; end: number };
  durationMinutes: number;
  targets: TargetName[];
}

export interface Summary {
  target: TargetName;
  case: string;
  runs: number;
  failedRuns: number;
  /** Summed over every run, not medians: one lost event in any run shows. */
  lost: number;
  /** NaN for runs recorded before the bench counted it. */
  lostUntold: number;
  duplicates: number;
  gapNotices: number;
  reconnects: number;
  connectFailed: number;
  failedPublishes: number;
  median: Record<string, number>;
  errors: string[];
}

const MEDIAN_FIELDS = [
  "subscribers",
  "deliveriesPerSec",
  "latency.p50",
  "latency.p90",
  "latency.p99",
  "latency.max",
  "rssPerSubscriberKB",
  "rssColdPerSubscriberKB",
  "serverCpuUsPerDelivery",
  "serverCpuPct",
  "clientCpuPct",
  "clientCpuUsPerDelivery",
  "publishesPerSec",
  "publishLatency.p50",
  "publishLatency.p99",
  "publishesLate",
  "storm.catchUpMs",
  "warmupLatency.p99",
  "connectMs",
  "workerd.rssPerSubscriberKB",
  "workerd.serverCpuUsPerDelivery",
] as const;

function pick(run: RunResult, path: string): number {
  let value: unknown = run;
  for (const key of path.split(".")) value = (value as Record<string, unknown> | undefined)?.[key];
  return typeof value === "number" ? value : NaN;
}

export function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function summarise(runs: RunResult[], targets: TargetName[], cases: Case[]): Summary[] {
  const out: Summary[] = [];
  for (const c of cases) {
    for (const target of targets) {
      const all = runs.filter((r) => r.target === target && r.case === c.id);
      if (all.length === 0) continue;
      const good = all.filter((r) => r.ok);
      const median_: Record<string, number> = {};
      for (const field of MEDIAN_FIELDS) median_[field] = median(good.map((r) => pick(r, field)));
      const sum = (f: (r: RunResult) => number) => good.reduce((s, r) => s + f(r), 0);
      out.push({
        target,
        case: c.id,
        runs: all.length,
        failedRuns: all.length - good.length,
        lost: sum((r) => r.lost),
        lostUntold: sum((r) => r.lostUntold ?? NaN),
        duplicates: sum((r) => r.duplicates),
        gapNotices: sum((r) => r.gapNotices),
        reconnects: sum((r) => r.reconnects),
        connectFailed: sum((r) => r.connectFailed),
        failedPublishes: sum((r) => r.publishesFailed),
        median: median_,
        errors: [...new Set(all.flatMap((r) => r.errors))].slice(0, 5),
      });
    }
  }
  return out;
}

function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return "–";
  if (Math.abs(value) >= 10_000) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(digits);
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return "–";
  const r = a / b;
  return `×${r >= 10 ? r.toFixed(0) : r.toFixed(2)}`;
}

interface Column {
  title: string;
  field: string;
  show: (v: number) => string;
}

function columnsFor(c: Case): Column[] {
  const lat = (q: string): Column => ({ title: `${q} ms`, field: `latency.${q}`, show: ms });
  if (c.scenario === "g") {
    return [
      { title: "publishes/s", field: "publishesPerSec", show: (v) => fmt(v) },
      { title: "publish p50 ms", field: "publishLatency.p50", show: ms },
      { title: "publish p99 ms", field: "publishLatency.p99", show: ms },
      { title: "server µs/publish", field: "serverCpuUsPerDelivery", show: (v) => fmt(v, 1) },
      { title: "server CPU %", field: "serverCpuPct", show: (v) => fmt(v) },
      { title: "client CPU %", field: "clientCpuPct", show: (v) => fmt(v) },
    ];
  }
  if (c.scenario === "f") {
    return [
      { title: "subscribers", field: "subscribers", show: (v) => fmt(v) },
      { title: "all caught up ms", field: "storm.catchUpMs", show: ms },
      { title: "server µs/delivery", field: "serverCpuUsPerDelivery", show: (v) => fmt(v, 1) },
      { title: "server CPU %", field: "serverCpuPct", show: (v) => fmt(v) },
      { title: "client CPU %", field: "clientCpuPct", show: (v) => fmt(v) },
      { title: "RSS/sub KB", field: "rssPerSubscriberKB", show: (v) => fmt(v, 1) },
    ];
  }
  return [
    { title: "subscribers", field: "subscribers", show: (v) => fmt(v) },
    { title: "deliveries/s", field: "deliveriesPerSec", show: (v) => fmt(v) },
    lat("p50"),
    lat("p90"),
    lat("p99"),
    lat("max"),
    { title: "warm-up p99 ms", field: "warmupLatency.p99", show: ms },
    { title: "RSS/sub KB", field: "rssPerSubscriberKB", show: (v) => fmt(v, 1) },
    { title: "cold RSS/sub KB", field: "rssColdPerSubscriberKB", show: (v) => fmt(v, 1) },
    { title: "server µs/delivery", field: "serverCpuUsPerDelivery", show: (v) => fmt(v, 1) },
    { title: "server CPU %", field: "serverCpuPct", show: (v) => fmt(v) },
    { title: "client CPU %", field: "clientCpuPct", show: (v) => fmt(v) },
    { title: "publishes/s", field: "publishesPerSec", show: (v) => fmt(v) },
    { title: "publish p50 ms", field: "publishLatency.p50", show: ms },
    { title: "publish p99 ms", field: "publishLatency.p99", show: ms },
  ];
}

function caseTable(c: Case, summaries: Summary[], targets: TargetName[]): string {
  const cols = columnsFor(c);
  const rows = targets.map((t) => summaries.find((s) => s.case === c.id && s.target === t)).filter((s): s is Summary => !!s);
  if (rows.length === 0) return "_not run_\n";
  const lines = [
    `| target | ${cols.map((col) => col.title).join(" | ")} | lost / dup (all runs) | runs |`,
    `|---|${cols.map(() => "---:").join("|")}|---:|---:|`,
  ];
  for (const s of rows) {
    const lostDup = c.scenario === "g" ? "–" : `${fmt(s.lost)} / ${fmt(s.duplicates)}`;
    const runs = s.failedRuns > 0 ? `${s.runs - s.failedRuns} (+${s.failedRuns} failed)` : `${s.runs}`;
    lines.push(`| ${TARGET_LABELS[s.target]} | ${cols.map((col) => col.show(s.median[col.field]!)).join(" | ")} | ${lostDup} | ${runs} |`);
  }
  const herald = rows.find((s) => s.target === "node");
  for (const other of ["nchan", "baseline", "floor"] as const) {
    const o = rows.find((s) => s.target === other);
    if (!herald || !o) continue;
    lines.push(`| _Herald Node / ${other}_ | ${cols.map((col) => ratio(herald.median[col.field]!, o.median[col.field]!)).join(" | ")} | | |`);
  }
  const notes = rows.flatMap((s) => {
    const bits: string[] = [];
    const hereRss = s.median["workerd.rssPerSubscriberKB"]!;
    const hereCpu = s.median["workerd.serverCpuUsPerDelivery"]!;
    if (Number.isFinite(hereRss) || Number.isFinite(hereCpu)) {
      const unit = c.scenario === "g" ? "publish" : "delivery";
      const rss = Number.isFinite(hereRss) ? `RSS/sub ${fmt(hereRss, 1)} KB, ` : "";
      bits.push(`the workerd running Herald alone (without wrangler's proxy worker): ${rss}${fmt(hereCpu, 1)} µs/${unit}`);
    }
    if (s.connectFailed > 0) bits.push(`${s.connectFailed} subscriber connects failed`);
    bits.push(...caveats(c, s));
    if (s.reconnects > 0) bits.push(`${s.reconnects} streams were ended by the hub and resumed (Last-Event-ID)`);
    if (s.gapNotices > 0) bits.push(`${s.gapNotices} gap notices`);
    if (s.lost > 0 && Number.isFinite(s.lostUntold)) {
      bits.push(`of the ${fmt(s.lost)} deliveries lost, ${fmt(s.lostUntold)} were on streams that never got a gap notice`);
    }
    if (s.errors.length > 0) bits.push(`errors: ${s.errors.map((e) => `\`${e.replace(/[`|\n]/g, " ").slice(0, 160)}\``).join("; ")}`);
    return bits.length > 0 ? [`- ${TARGET_LABELS[s.target]}: ${bits.join("; ")}`] : [];
  });
  return lines.join("\n") + "\n" + (notes.length > 0 ? "\n" + notes.join("\n") + "\n" : "");
}

/** What limits or skews a row's figures, said next to it. */
function caveats(c: Case, s: Summary): string[] {
  const out: string[] = [];
  const rate = s.median["publishesPerSec"]!;
  if (c.rate > 0 && c.scenario !== "f" && rate < 0.95 * c.rate) {
    out.push(
      `sent ${fmt(rate, 1)} of the ${fmt(c.rate)} publishes/s asked for (the rest found none of the ${c.inflight} connections free); ` +
        "latency counts from each publish's actual send, so it leaves that wait out and is understated",
    );
  }
  const client = s.median["clientCpuPct"]!;
  if (client >= 85) out.push(`the load client's core was ${fmt(client)}% busy: these figures are partly the client's limit`);
  if (s.failedPublishes > 0) {
    out.push(`${s.failedPublishes} publishes failed; lost/dup compare deliveries with acknowledged publishes only, so deliveries of failed ones could offset a loss`);
  }
  return out;
}

const COLORS: Record<TargetName, string> = {
  node: "#d9480f",
  workerd: "#f59f00",
  "workerd-before": "#9c36b5",
  "workerd-relays": "#e8590c",
  workers: "#e8590c",
  nchan: "#1971c2",
  baseline: "#2f9e44",
  floor: "#868e96",
};

/**
 * Against subscribers on one topic at 20 publishes/s (b and d): p99 latency
 * (log scale), deliveries/s (diamonds: the max fan-out of c) and server CPU
 * per delivery. Below saturation deliveries/s is rate × subscribers for
 * every hub, so a line that falls short of the others is the news.
 */
export function chartSvg(summaries: Summary[], cases: Case[], targets: TargetName[]): string {
  const points = cases.filter((c) => (c.scenario === "b" || c.scenario === "d") && c.topics === 1).sort((a, b) => a.subscribersPerTopic - b.subscribersPerTopic);
  const maxFanout = cases.find((c) => c.scenario === "c");
  const W = 1160;
  const H = 410;
  const panel = { w: 300, h: 260, top: 60 };
  const lefts = [70, 460, 850];
  const xs = points.map((c) => c.subscribersPerTopic);
  const xMax = Math.max(1, ...xs);
  const x = (left: number, v: number) => left + 10 + (v / xMax) * (panel.w - 30);
  const med = (caseId: string, t: TargetName, field: string) => summaries.find((s) => s.case === caseId && s.target === t)?.median[field] ?? NaN;
  const series = (field: string) =>
    targets.map((t) => ({
      t,
      pts: points.map((c) => ({ n: c.subscribersPerTopic, v: med(c.id, t, field) })).filter((p) => Number.isFinite(p.v) && p.v > 0),
    }));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Subscribers on one topic, 20 publishes/s, 256-byte payload (medians)</text>`,
  ];
  const drawPanel = (left: number, title: string, field: string, log: boolean, label: (v: number) => string, extra: { t: TargetName; n: number; v: number }[] = []) => {
    const data = series(field);
    const values = [...data.flatMap((d) => d.pts.map((p) => p.v)), ...extra.map((e) => e.v)];
    if (values.length === 0) values.push(1);
    const lo = log ? Math.pow(10, Math.floor(Math.log10(Math.min(...values)))) : 0;
    const hi = log ? Math.pow(10, Math.ceil(Math.log10(Math.max(...values) * 1.01))) : Math.max(...values) * 1.1;
    const y = (v: number) =>
      panel.top + panel.h - (log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : v / hi) * panel.h;
    out.push(`<text x="${left + panel.w / 2}" y="${panel.top - 12}" text-anchor="middle" font-size="13">${title}</text>`);
    out.push(`<rect x="${left}" y="${panel.top}" width="${panel.w}" height="${panel.h}" fill="none" stroke="#999"/>`);
    const ticks: number[] = [];
    if (log) for (let v = lo; v <= hi * 1.001; v *= 10) ticks.push(v);
    else for (let i = 0; i <= 4; i++) ticks.push((hi * i) / 4);
    for (const v of ticks) {
      out.push(`<line x1="${left}" x2="${left + panel.w}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
      out.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${label(v)}</text>`);
    }
    for (const n of xs) {
      out.push(`<text x="${x(left, n).toFixed(1)}" y="${panel.top + panel.h + 16}" text-anchor="middle">${n.toLocaleString("en-US")}</text>`);
    }
    out.push(`<text x="${left + panel.w / 2}" y="${panel.top + panel.h + 34}" text-anchor="middle">subscribers</text>`);
    for (const { t, pts } of data) {
      if (pts.length === 0) continue;
      const path = pts.map((p, i) => `${i ? "L" : "M"}${x(left, p.n).toFixed(1)},${y(p.v).toFixed(1)}`).join(" ");
      out.push(`<path d="${path}" fill="none" stroke="${COLORS[t]}" stroke-width="2"/>`);
      for (const p of pts) out.push(`<circle cx="${x(left, p.n).toFixed(1)}" cy="${y(p.v).toFixed(1)}" r="3.5" fill="${COLORS[t]}"/>`);
    }
    for (const e of extra) {
      const cx = x(left, e.n);
      const cy = y(e.v);
      out.push(`<path d="M${cx.toFixed(1)},${(cy - 6).toFixed(1)} l6,6 l-6,6 l-6,-6 z" fill="white" stroke="${COLORS[e.t]}" stroke-width="2"/>`);
    }
  };
  const kilo = (v: number) => (v >= 1000 ? `${Math.round(v / 1000)}k` : String(Math.round(v)));
  const fanout = maxFanout
    ? targets.map((t) => ({ t, n: maxFanout.subscribersPerTopic, v: med(maxFanout.id, t, "deliveriesPerSec") })).filter((e) => Number.isFinite(e.v) && e.v > 0)
    : [];
  drawPanel(lefts[0]!, "p99 publish→receive latency (ms, log scale)", "latency.p99", true, (v) => String(v));
  drawPanel(lefts[1]!, "deliveries/s (◇ = max fan-out, scenario c)", "deliveriesPerSec", false, kilo, fanout);
  drawPanel(lefts[2]!, "server CPU µs per delivery", "serverCpuUsPerDelivery", false, (v) => v.toFixed(v < 10 ? 1 : 0));
  targets.forEach((t, i) => {
    const lx = 70 + i * 220;
    out.push(`<rect x="${lx}" y="${H - 22}" width="14" height="4" fill="${COLORS[t]}"/>`);
    out.push(`<text x="${lx + 20}" y="${H - 16}">${TARGET_LABELS[t]}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function headline(summaries: Summary[], cases: Case[], targets: TargetName[]): string {
  const get = (t: TargetName, id: string | undefined, f: string) => (id ? summaries.find((s) => s.target === t && s.case === id)?.median[f] ?? NaN : NaN);
  const id = (s: string) => cases.find((c) => c.scenario === s)?.id;
  const dBig = cases.filter((c) => c.scenario === "d").sort((a, b) => b.subscribersPerTopic - a.subscribersPerTopic)[0]?.id;
  const rows: [string, string | undefined, string, (v: number) => string][] = [
    ["(c) max fan-out deliveries/s", id("c"), "deliveriesPerSec", (v) => fmt(v)],
    ["(c) server CPU µs per delivery", id("c"), "serverCpuUsPerDelivery", (v) => fmt(v, 1)],
    ["(a) p99 ms at 100 publishes/s", id("a"), "latency.p99", ms],
    ["(b) p99 ms at 20 publishes/s", id("b"), "latency.p99", ms],
    [`(d) p99 ms, ${dBig ?? "d"}`, dBig, "latency.p99", ms],
    ["(a) RSS per idle subscriber, KB", id("a"), "rssPerSubscriberKB", (v) => fmt(v, 1)],
    [`(d) RSS per idle subscriber, KB, ${dBig ?? "d"}`, dBig, "rssPerSubscriberKB", (v) => fmt(v, 1)],
    ["(a) RSS from a cold start per subscriber, KB", id("a"), "rssColdPerSubscriberKB", (v) => fmt(v, 1)],
    ["(f) storm: all caught up, ms", id("f"), "storm.catchUpMs", ms],
    ["(g) publishes/s, no subscribers", id("g"), "publishesPerSec", (v) => fmt(v)],
  ];
  // Every target measured but the floor, then each Herald entry against nchan.
  const shown = targets.filter((t) => t !== "floor");
  const herald = shown.filter((t) => t === "node" || t === "workerd");
  const lines = [
    `| figure | ${shown.map((t) => TARGET_LABELS[t]).join(" | ")} | ${herald.map((t) => `${TARGET_LABELS[t]}/nchan`).join(" | ")} |`,
    `|---|${[...shown, ...herald].map(() => "---:").join("|")}|`,
  ];
  for (const [title, caseId, field, show] of rows) {
    if (!caseId) continue;
    const cells = shown.map((t) => show(get(t, caseId, field)));
    const ratios = herald.map((t) => ratio(get(t, caseId, field), get("nchan", caseId, field)));
    lines.push(`| ${title} | ${cells.join(" | ")} | ${ratios.join(" | ")} |`);
  }
  return lines.join("\n") + "\n";
}

export function markdown(meta: BenchMeta, summaries: Summary[], cases: Case[], chartFile: string): string {
  const targets = meta.targets;
  const v = meta.versions;
  const parts: string[] = [];
  parts.push(`# Benchmarks

Herald's Node entry and Herald's Worker with its Durable Objects on bare
workerd (the runtime Cloudflare runs, started from its npm package without
wrangler) against nginx+nchan and a hand-rolled Node hub, all on one
machine, driven by the same load client.
Generated by \`npm run bench\` (src/bench/); raw results in
[benchmarks.json](benchmarks.json).${meta.quick ? "\n\n**Quick mode: a smoke test with small numbers, not a measurement.**" : ""}

- **Date**: ${meta.date} (took ${meta.durationMinutes.toFixed(0)} minutes)
- **Command**: \`${meta.command}\`
- **Repetitions**: ${meta.reps} per target and case, targets alternating; every figure is the median over the repetitions, except lost/duplicate counts, which are summed over all of them
- **Machine**: ${meta.machine.nproc} cores (${meta.machine.cpu}), ${meta.machine.ramGiB} GiB RAM, Linux ${meta.machine.kernel}; load average ${meta.loadAverage.start} at start, ${meta.loadAverage.end} at end
- **Versions**: Node ${v["node"]}, nginx ${v["nginx"] ?? "–"}, libnginx-mod-nchan ${v["nchan"] ?? "–"}, wrangler ${v["wrangler"] ?? "–"}, workerd ${v["workerd"] ?? "–"}, Herald ${v["herald"] ?? "–"} (${v["commit"] ?? "?"})
${meta.worker ? `- **Worker bundle** (\`wrangler deploy --dry-run\`): worker.js ${(meta.worker.workerJsBytes / 1024).toFixed(1)} KiB, **${(meta.worker.workerJsGzipBytes / 1024).toFixed(1)} KiB gzipped** (wrangler's own total with the migration file: ${meta.worker.wranglerTotal})\n` : ""}${meta.notes.map((n) => `- **Note**: ${n}\n`).join("")}
## Headline

${headline(summaries, cases, targets)}
![p99 latency and deliveries/s against subscribers](${chartFile})
`);
  parts.push("## Results by scenario\n");
  for (const c of cases) {
    const size = c.scenario === "g" ? "" : `${c.topics === 1 ? "1 topic" : `${c.topics} topics`} × ${c.subscribersPerTopic.toLocaleString("en-US")} subscribers, `;
    const rate = c.rate > 0 ? `${c.rate} publishes/s` : `publishes as fast as acknowledged, ${c.inflight} in flight`;
    parts.push(`### (${c.scenario}) ${c.id}: ${c.title}\n\n${size}${rate}, ${c.payloadBytes}-byte payload, ${c.durationMs / 1000} s.\n\n${caseTable(c, summaries, targets)}`);
  }
  parts.push(howToRead(meta.reps));
  return parts.join("\n");
}

const howToRead = (reps: number): string => `## How to read these numbers

- **deliveries/s**: events received by all subscribers together (each
  subscriber counts each event once) from the first measured publish to the
  last delivery, divided by that time. Events of the warm-up that arrive in
  that time count too, since the server's CPU for them falls in it. Below
  saturation it is just publishes/s ×
  subscribers; in (c) it is the most the hub and the load client together
  could move (see **one client core** below).
- **one client core**: the load client has one core to itself, like the
  hub. In (a), (c) and (d) it is nearly always busy (client CPU % in the
  tables; rows at 85% or more say so), so those figures are partly the
  client's limit, and a target whose events cost the client less to read
  goes further: Herald's coalesced writes (below) need fewer reads per
  event than nchan's and the baseline's one write per event per socket
  (client µs/delivery is in the JSON).
- **publishes/s asked for and sent**: publishing is paced (publish *i* is
  due at start + *i* / rate) over 16 keep-alive connections. A target that
  answers too slowly leaves no connection free, and the publishes it
  delays are sent late or, at the end of the window, not at all; its row
  says how many were sent. Latency counts from each publish's actual send,
  so for such a target it leaves out that wait: its latency is understated
  and its ratios to Herald flatter it.
- **warm-up**: every case (but the storm, whose prefill does the same)
  publishes for 2 s at its own rate before the measured window, and the
  schedule runs on into the window without a pause; events sent in those
  2 s count apart (by their send time). So the figures describe a running
  server, not its first events: a fresh Node process runs its publish path
  unoptimized at first. And the window does not start on a server and client
  coming back from idle: with a pause between the two (until 2026-11-22),
  the first two publishes after it were slow on every target, and at 20
  publishes/s they alone made up most of the slowest 1% of deliveries, so
  the p99 measured the pause. The warm-up's own p99 is in **warm-up p99**,
  so what a server's first seconds cost stays visible.
- **latency**: publish→receive. Each payload carries the publisher's clock
  (\`{"t":<ms, µs precision>,"seq":n,"pad":"…"}\`, padded to 256 bytes); each
  subscriber subtracts it from its own clock on arrival. Publisher and
  subscribers are threads of one process, reading the same monotonic clock.
  It includes the publish request itself (for Herald, the durable write comes
  before the fan-out) and the client's own time to get to the socket: with
  10,000 sockets on one client core, the last subscriber read in a burst waits
  for the other 9,999.
- **RSS/sub**: what one more idle subscriber costs. A tenth of the
  subscribers connect first; RSS/sub is the server's RSS with all of them
  connected and idle, minus its RSS with that first tenth, divided by the
  subscribers added (KB = 1,000 bytes). The first tenth absorbs one-time
  costs that are not per subscriber: code paged in on first use, heaps and
  allocator arenas sized. Those are in **RSS from a cold start per
  subscriber** (RSS growth from before any subscriber, divided by all of
  them), in the headline and the JSON. For Node processes both include
  whatever the garbage collector has not returned yet.
- **server µs/delivery**: the server's CPU time (utime+stime from
  /proc/<pid>/stat, all its threads and processes) over the publishing window
  and the drain after it, divided by the deliveries in that window. It
  includes the cost of the publishes themselves. For (g) it is per publish.
- **server / client CPU %**: of one core over the same window. Client CPU
  includes all of the load client's threads (process.cpuUsage).
- **publishes/s, publish p50/p99**: acknowledged publishes (2xx) per second
  and request→response time at the publisher. For Herald the answer comes
  after the event is durably written (SQLite WAL with synchronous=FULL on
  Node; the Durable Object's SQLite storage on workerd). **nchan and the
  baseline acknowledge from memory**: their (g) figures are in-memory ack
  rates, not durable writes.
- **lost / dup**: every subscriber tracks which seqs it received (a bitmap,
  so reordering among 16 in-flight publishes is neither). Lost = expected
  (acknowledged publishes × subscribers of the topic) − received;
  duplicates = a seq received twice. Both must be 0. If a hub ends a stream,
  the client reconnects at once with its Last-Event-ID, like EventSource,
  and the table notes it. Events skipped with a gap notice (see **Loss
  with gap notices** below) count as lost too.
- **(f) all caught up**: 1.5 s of events are published first; then, with 20
  publishes/s still going, every subscriber closes its socket and reconnects
  at once with the id of the event 100 before the newest one it had (nchan:
  its own message id; baseline: its ring buffer's seq), forgetting those 100
  events, so their replay counts as received, not duplicated. The figure
  is the time from the drop until every subscriber again holds every event
  up to the newest one seen before the drop; lost/dup are checked over the
  whole run.

## How it was measured

- Every target is started fresh for every measured run, pinned to core 0
  (\`taskset -c 0\`); the bench and all its load threads are pinned to core 1.
  Targets: Herald's Node entry (\`dist/herald-node.mjs\` built by
  \`npm run build:node\` at bench start, SQLite in a temp dir); Herald's Worker
  on bare workerd (the bundle \`wrangler deploy --dry-run\` builds, run by
  \`node_modules/.bin/workerd serve\` with a config that src/bench/workerd-config.ts
  writes: the Worker, its TopicObject namespace on local SQLite, the
  settings as bindings; \`--before <ref>\` adds the Worker of another commit
  on the same runtime, and \`--targets ...,workers\` the old wrangler dev
  target, workerd behind wrangler's proxy); nginx with Debian's nchan module (1 worker process,
  1,000-message buffer per channel, EventSource subscribers, new subscribers
  start at the newest message, a listen backlog of 4,096 like Herald's Node
  entry); and src/bench/baseline-hub.ts, a typical hand-rolled Node hub
  (node:http with its defaults but the listen backlog, 4,096 like the
  others, a Set of responses per topic, one res.write
  per subscriber, a 1,000-event ring buffer for Last-Event-ID). Only when
  asked for (\`--targets ...,floor\`): src/bench/floor-hub.ts, about the least
  a Node process can do per publish (node:net with a bare HTTP/1.1 reader
  instead of node:http, one socket.write per subscriber, the baseline's ring
  buffer), to show what Node itself costs.
- Herald runs with its defaults except MAX_CONNECTIONS and
  MAX_SUBSCRIBERS_PER_TOPIC raised to 20,000 (the 10,000-subscriber case
  would otherwise hit the default cap). Its Node entry is run as users run
  it, \`node dist/herald-node.mjs\` with no flags; it turns off V8's Maglev
  tier itself (docs/node.md). Subscribers and publishers send an
  HS256 JWT in \`Authorization: Bearer\`, so Herald verifies a token on
  every subscribe and publish; nchan and the baseline check nothing.
- The load client: two worker threads hold the subscriber sockets (raw
  node:net reading into one buffer per thread, a hand-written chunked
  decoder and SSE frame scanner, no EventSource objects), one thread
  publishes over keep-alive raw HTTP/1.1
  connections (open loop at a fixed rate, or closed loop with 16 in
  flight). Subscribers connect 200 at a time and are all connected before
  the first publish; the measured window runs from the first publish until
  every subscriber has every acknowledged event (or 10 s without progress).
- Server figures come from /proc: for nchan the nginx master and worker, for
  bare workerd its one process (the Worker and every Durable Object, on one
  thread), for wrangler dev both workerd processes (wrangler's proxy worker
  on the public port, and the one running Herald; wrangler's own node
  process only supervises and is not counted).

## Caveats

- **Noise.** Two cores, shared with whatever else runs on this machine
  (another engineer's test runs, at times, during this run: see the load
  averages above). Medians of ${reps} repetitions damp this but do not
  remove it; treat differences under ~20% as noise.
- **The client is part of the measurement.** Client and server have one core
  each; at the highest rates the client's core is busy too (see client CPU
  %), so the most a hub could do may be higher than (c) shows, and latency
  includes client queueing. The client is the same for every target.
- **One workerd process is not Cloudflare.** Here the Worker that holds
  every browser stream and the topic's Durable Object share one thread, so
  the figures are their sum on one core. On Cloudflare the browsers'
  requests land on Worker instances across many machines, and only the
  Durable Object's share (its send to each socket) is one topic's
  single-threaded ceiling. The numbers say how Herald's code behaves on the
  runtime Cloudflare runs, not what Cloudflare's network would deliver; on
  Cloudflare, Worker CPU time is what is billed (see [cost.md](cost.md)).
- **Loss with gap notices is Herald's bound at work, not silent loss.** A
  subscriber whose unread bytes pass MAX_BUFFERED_BYTES (256 KiB) is dropped
  and resumes from its Last-Event-ID; on the edge targets at max fan-out (c)
  the hub falls so far behind that by the time such a subscriber is back,
  the events it missed have left the 1,000-event log, so it gets a
  \`herald.gap\` notice (counted above) and the events are gone for it. That
  is the documented contract (the client is told, and refetches its state),
  and the bench checks that it held: each note says how many of the lost
  deliveries were on streams that never got a notice.
- **Herald Node coalesces.** Events published in the same event-loop turn
  are committed together, joined once per topic into one buffer, and
  written to each socket in one write. Each
  event still arrives as its own SSE frame (the client counts frames), but
  fewer, larger socket writes are cheaper for the server and for the client
  alike; nchan and the baseline write each event to each socket separately.
- **nchan's streams run with Nagle's algorithm**, as nginx ships: it sets
  TCP_NODELAY only on keep-alive, TLS and proxied connections (strace shows
  it on the publishers' connections, not on the EventSource streams), while
  Node sets it on every socket. That is not what holds nchan back: with
  TCP_NODELAY forced on by an LD_PRELOAD shim (a one-off check on
  2026-11-22, not part of the bench), nchan's (a) p99 was 91 and 187 ms
  against 70 and 58 ms as shipped, at more server CPU per delivery (9-10
  against 7.2-7.4 µs), and (b) did not move beyond noise.
- **Different guarantees.** Herald writes every event durably before
  acknowledging and fanning it out, verifies JWTs, bounds each subscriber's
  buffer and checks for stalled readers; nchan keeps messages in shared
  memory; the baseline keeps them in a JS array and writes to every socket
  without bound. Loopback only: no network latency, no TLS. The durable
  write shows at a low rate (b): Herald's first socket write for an event
  comes about 1.3 ms after nchan's, the commit's fsync being about 0.5 ms
  of it ([node.md](node.md#latency-when-events-are-few)).
`;
