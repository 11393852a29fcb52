import { HeraldError } from "./error.js";

export interface RetryOptions {
  /** Retries after the first try, on a network failure or a 502/503/504; default 4. */
  retries?: number;
  /** The first wait, doubled each time (with jitter); default 200 ms. */
  initialDelayMs?: number;
  /** The longest wait; default 5 s. */
  maxDelayMs?: number;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

const RETRIED_STATUS = new Set([502, 503, 504]);

/**
 * One call to the hub, tried again on a network failure or a 502/503/504
 * (a hub restarting, a topic's object out of reach), after a backoff or the
 * hub's Retry-After. A call is only retried as it was first sent, so a
 * publish keeps its idempotency key and is stored once however often it is
 * sent. Answers the JSON body of a 2xx (and a batch's partial outcome as an
 * error carrying it), or throws HeraldError.
 */
export async function hubRequest<T>(fetchFn: FetchLike, url: string, init: RequestInit, retry: Required<RetryOptions>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= retry.retries;
    let response: Response;
    try {
      response = await fetchFn(url, init);
    } catch (error) {
      if (last) throw new HeraldError("network", `the hub could not be reached: ${(error as Error).message}`);
      await sleep(delay(attempt, retry));
      continue;
    }
    if (response.ok) return (await response.json()) as T;
    const refusal = await refusalOf(response);
    if (last || !RETRIED_STATUS.has(response.status)) throw refusal;
    await sleep(Math.max(delay(attempt, retry), (refusal.retryAfter ?? 0) * 1000));
  }
}

async function refusalOf(response: Response): Promise<HeraldError> {
  const body = (await response.json().catch(() => ({}))) as { error?: unknown; message?: unknown; events?: unknown };
  const header = response.headers.get("retry-after");
  const retryAfter = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
  return new HeraldError(
    typeof body.error === "string" ? body.error : `http_${response.status}`,
    typeof body.message === "string" ? body.message : `the hub answered ${response.status}`,
    response.status,
    retryAfter,
    Array.isArray(body.events) ? body.events : undefined,
  );
}

/** Exponential with "equal jitter": half fixed, half random. */
function delay(attempt: number, { initialDelayMs, maxDelayMs }: Required<RetryOptions>): number {
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
