import type { Counters } from "../core/counters.js";

/** The hub's totals in Prometheus text format (version 0.0.4). */
export interface MetricsSource {
  counters: Counters;
  topics: number;
  authFailures: number;
  /** Requests whose client went away before its body was read. */
  clientAborts: number;
  /** Publishes refused past PUBLISH_RATE or TOPIC_PUBLISH_RATE. */
  rateLimited: number;
  /** Every refusal answered, by its error code. */
  refusals: ReadonlyMap<string, number>;
  commits: number;
}

export function metricsText({ counters, topics, authFailures, clientAborts, rateLimited, refusals, commits }: MetricsSource): string {
  const metrics: Array<[name: string, type: "gauge" | "counter", help: string, value: number]> = [
    ["herald_open_streams", "gauge", "SSE streams open now.", counters.streams],
    ["herald_topics", "gauge", "Topics with open streams, held in memory.", topics],
    ["herald_published_events_total", "counter", "Events published (acknowledged with 201).", counters.published],
    ["herald_delivered_events_total", "counter", "Live events written to streams.", counters.delivered],
    ["herald_replayed_events_total", "counter", "Events replayed from the log on reconnect.", counters.replayed],
    ["herald_dropped_slow_consumers_total", "counter", "Streams dropped for not reading fast enough.", counters.dropped],
    ["herald_auth_failures_total", "counter", "Requests refused with 401 or 403.", authFailures],
    ["herald_rate_limited_total", "counter", "Publishes refused with 429 past PUBLISH_RATE or TOPIC_PUBLISH_RATE.", rateLimited],
    ["herald_client_aborts_total", "counter", "Requests whose client went away before its body was read (nothing published, nothing logged).", clientAborts],
    ["herald_commits_total", "counter", "Log transactions committed (publishes in one turn share one).", commits],
  ];
  const plain = metrics.map(([name, type, help, value]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`).join("");
  const byReason = [...refusals].map(([reason, n]) => `herald_refusals_total{reason="${reason}"} ${n}\n`).join("");
  return `${plain}# HELP herald_refusals_total Requests refused, by error code.\n# TYPE herald_refusals_total counter\n${byReason}`;
}
