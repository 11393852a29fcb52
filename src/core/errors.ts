/**
 * Every refusal Herald makes is a HeraldError with a stable code. The HTTP
 * layer turns it into `{"error": code, "message": text}` in one place, so
 * callers can branch on the code without parsing messages.
 */
export const ERROR_STATUS = {
  bad_topic: 400,
  bad_event: 400,
  bad_body: 400,
  bad_idempotency_key: 400,
  bad_request: 400,
  bad_cursor: 400,
  unauthorized: 401,
  invalid_token: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  idempotency_key_reused: 409,
  payload_too_large: 413,
  rate_limited: 429,
  too_many_streams: 429,
  unsupported_media_type: 415,
  topic_full: 503,
  server_full: 503,
  shutting_down: 503,
  topic_unavailable: 503,
  /** The client went away while its request was read: nobody sees the answer, and it is no fault (nginx's 499). */
  client_closed: 499,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class HeraldError extends Error {
  override readonly name = "HeraldError";
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }

  toJSON(): { error: ErrorCode; message: string } {
    return { error: this.code, message: this.message };
  }
}

export function errorResponse(error: HeraldError): Response {
  return new Response(JSON.stringify(error.toJSON()), {
    status: error.status,
    headers: { "content-type": "application/json", ...error.headers },
  });
}
