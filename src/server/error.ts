/**
 * What a call to the hub ended with when it did not succeed: the hub's
 * stable `code` (`forbidden`, `rate_limited`, `payload_too_large`, ...) and
 * message with its HTTP `status`, or the SDK's own `network` code (the hub
 * could not be reached, after the retries) without a status.
 */
export class HeraldError extends Error {
  override readonly name = "HeraldError";

  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    /** Seconds the hub asked to wait (Retry-After), if it did. */
    readonly retryAfter?: number,
    /** A batch's outcome per event, when the hub stored some of it (see publishMany). */
    readonly events?: unknown[],
  ) {
    super(message);
  }
}
