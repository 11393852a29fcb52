import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { responseHead } from "./bare-response.js";
import type { SocketSink } from "./socket-sink.js";

/*
 * A single-topic stream's head is sent by whichever server read its request,
 * then its sink writes the frames. A null sink waited too long for its
 * connection and is gone: the client reconnects and resumes.
 */

/** Through node:http (a request the stream door passed on). */
export function startOnResponse(sink: SocketSink | null, response: Response, outgoing: ServerResponse): void {
  if (!sink) return void outgoing.destroy();
  // The stream ends with the connection (it carries `connection: close`),
  // so no chunked framing: each write is the frames alone.
  outgoing.useChunkedEncodingByDefault = false;
  outgoing.writeHead(200, Object.fromEntries(response.headers));
  outgoing.flushHeaders();
  sink.attach(outgoing);
}

/** On the bare socket (stream-door.ts). */
export function startOnSocket(sink: SocketSink | null, response: Response, socket: Socket): void {
  if (!sink) return void socket.destroy();
  sink.attach(socket, Buffer.from(responseHead(200, response.headers), "latin1"));
}
