import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";

// Written here (set-cookie because forEach would join several into one line).
const FRAMING = new Set(["content-length", "connection", "transfer-encoding", "keep-alive", "set-cookie", "date"]);

/**
 * A response head for a bare socket. The connection ends with the response
 * (`connection: close`), so a stream needs no chunked framing and a body is
 * delimited by its length.
 */
export function responseHead(status: number, headers: Headers, contentLength?: number): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\ndate: ${new Date().toUTCString()}\r\n`;
  headers.forEach((value, name) => {
    if (!FRAMING.has(name)) head += `${name}: ${value}\r\n`;
  });
  for (const cookie of headers.getSetCookie()) head += `set-cookie: ${cookie}\r\n`;
  if (contentLength !== undefined) head += `content-length: ${contentLength}\r\n`;
  return `${head}connection: close\r\n\r\n`;
}

/** Writes a whole (small, finite) Response to the socket and ends it. */
export async function writeResponse(socket: Socket, response: Response): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  if (socket.destroyed) return;
  socket.write(responseHead(response.status, response.headers, body.byteLength), "latin1");
  socket.end(body);
}
