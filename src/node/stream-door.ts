import type { Server } from "node:http";
import type { Socket } from "node:net";
import { readStreamRequest, type StreamRequest } from "./stream-request.js";

/** A connection that has sent nothing by then goes to node:http, whose timeouts apply. */
const FIRST_BYTES_MS = 5000;

/** Answers a stream request on its bare socket. */
export type StreamAnswer = (request: Request, socket: Socket) => Promise<void>;

/**
 * node:http keeps a parser, an IncomingMessage and a ServerResponse alive
 * for as long as a response is open: for a hub holding thousands of idle
 * streams, that is most of its memory. So a connection whose first bytes
 * are a plain single-topic stream request (see stream-request.ts) is
 * answered on the bare socket, and carries only that stream; every other
 * connection is node:http's, byte for byte as it arrived.
 */
export function openStreamDoor(http: Server, answer: StreamAnswer): { destroyAll(): void } {
  // node:http installs its parser with a 'connection' listener (documented:
  // emitting 'connection' hands it a socket). Take it, so it runs only for
  // the connections the door passes on.
  const listeners = http.listeners("connection");
  if (listeners.length !== 1) throw new Error(`herald: expected node:http's one 'connection' listener, found ${listeners.length}`);
  const parse = listeners[0] as (socket: Socket) => void;
  http.removeListener("connection", parse);
  // The door's sockets (waiting, or streaming): node:http's closeAllConnections() does not know them.
  const held = new Set<Socket>();
  const forget = function (this: Socket) {
    held.delete(this);
  };
  // Async, so that whatever throws (in building the Request too) ends in the catch below, not the process.
  const answerOn = async ({ url, headers }: StreamRequest, socket: Socket): Promise<void> => {
    await answer(new Request(url, { headers }), socket);
  };
  http.on("connection", (socket: Socket) => {
    // Once the connection is decided, the door keeps no closure of its own on it.
    const decided = () => {
      socket.setTimeout(0);
      socket.removeListener("timeout", onSilence);
      socket.removeListener("data", onFirstBytes);
    };
    const handOver = (chunk?: Buffer) => {
      decided();
      held.delete(socket);
      socket.removeListener("close", forget);
      socket.removeListener("error", onError);
      socket.pause();
      if (chunk) socket.unshift(chunk);
      parse.call(http, socket);
      socket.resume();
    };
    const onSilence = () => handOver();
    const onFirstBytes = (chunk: Buffer) => {
      const request = readStreamRequest(chunk);
      if (!request) return handOver(chunk);
      decided();
      // Whatever else the client sends on a stream connection is not read as HTTP.
      socket.on("data", ignore);
      // node:http's sockets allow half-open connections; a stream ends when its client does.
      socket.on("end", endToo);
      answerOn(request, socket).catch((error: unknown) => {
        console.error("herald: a stream request failed", error);
        socket.destroy();
      });
    };
    held.add(socket);
    socket.on("close", forget);
    socket.on("error", onError);
    socket.on("data", onFirstBytes);
    socket.on("timeout", onSilence);
    socket.setTimeout(FIRST_BYTES_MS);
  });
  return {
    /** On shutdown, once streams had their chance to end cleanly. */
    destroyAll: () => {
      for (const socket of held) socket.destroy();
    },
  };
}

function ignore(): void {}

function endToo(this: Socket): void {
  this.end();
}

// A reset is the client leaving: 'close' follows, and ends its stream.
function onError(this: Socket): void {
  this.destroy();
}
