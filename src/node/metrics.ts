import type { Counters } from "../core/counters.js";
import { ERROR_STATUS, type ErrorCode } from "../core/errors.js";

/** The hub's totals in Prometheus text format (version 0.0.4). */
export interface MetricsSource {
  counters: Counters;
  topics: number;
  /** Every refusal answered, by its error code: the refusal metrics are all read from it. */
  refusals: ReadonlyMap<ErrorCode, number>;
  commits: number;
}

export function metricsText({ counters, topics, refusals, commits }: MetricsSource): string {
  const refused = (codes: (code: ErrorCode) => boolean) => [...refusals].reduce((sum, [code, n]) => (codes(code) ? sum + n : sum), 0);
  const authFailures = refused((code) => ERROR_STATUS[code] === 401 || ERROR_STATUS[code] === 403);
  const metrics: Array<[name: string, type: "gauge" | "counter", help: string, value: number]> = [
    ["herald_open_streams", "gauge", "SSE streams open now.", counters.streams],
    ["herald_topics", "gauge", "Topics with open streams, held in memory.", topics],
    ["herald_published_events_total", "counter", "Events published (acknowledged with 201).", counters.published],
    ["herald_delivered_events_total", "counter", "Live events written to streams.", counters.delivered],
    ["herald_replayed_events_total", "counter", "Events replayed from the log on reconnect.", counters.replayed],
    ["herald_dropped_slow_consumers_total", "counter", "Streams dropped for not reading fast enough.", counters.dropped],
    ["herald_auth_failures_total", "counter", "Requests refused with 401 or 403.", authFailures],
    ["herald_rate_limited_total", "counter", "Publishes refused with 429 past PUBLISH_RATE or TOPIC_PUBLISH_RATE.", refusals.get("rate_limited") ?? 0],
    ["herald_client_aborts_total", "counter", "Requests whose client went away before its body was read (nothing published, nothing logged).", refusals.get("client_closed") ?? 0],
    ["herald_commits_total", "counter", "Log transactions committed (publishes in one turn share one).", commits],
  ];
  const plain = metrics.map(([name, type, help, value]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`).join("");
  const byReason = [...refusals].map(([reason, n]) => `herald_refusals_total{reason="${reason}"} ${n}\n`).join("");
  return `${plain}# HELP herald_refusals_total Requests refused, by error code.\n# TYPE herald_refusals_total counter\n${byReason}`;
}
