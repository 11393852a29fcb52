/**
 * Why a connection failed. `code` is the hub's stable error code
 * (`forbidden`, `unauthorized`, `invalid_token`, `bad_request`, ...) or one
 * of the client's own: `network` (the hub could not be reached),
 * `token_expired` (a plain-string token ran out), `token_refresh_failed`
 * (the token function threw, returned nothing, or returned the refused
 * token again), `unavailable` (`backoff.maxAttempts` failed reconnects in a
 * row), `not_a_stream` (the URL answered 200 with something else, e.g. a
 * web page: it is not the hub's), `replaced` (a newer stream of the same
 * user took this one's place: the hub's STREAMS_PER_USER_POLICY=replace).
 */
export class HeraldClientError extends Error {
  override readonly name = "HeraldClientError";

  constructor(
    readonly code: string,
    message: string,
    /** True when the client gave up: its state is then `closed`. Otherwise it retries. */
    readonly fatal: boolean,
    /** The HTTP status the hub answered, if it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}
