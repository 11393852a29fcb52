import { connect, type Socket } from "node:net";

/**
 * A keep-alive HTTP/1.1 connection for publishing, one request at a time.
 * Hand-written for the same reason as the subscriber side: node:http's
 * per-request objects would cost the client more CPU than some hubs spend
 * on the publish itself.
 */
export interface PostResult {
  status: number;
  body: string;
}

export class PostConnection {
  private socket!: Socket;
  private buffer = "";
  private waiting?: { resolve: (r: PostResult) => void; reject: (e: Error) => void };
  alive = false;

  private readonly port: number;

  constructor(port: number) {
    this.port = port;
  }

  open(): Promise<this> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port: this.port }, () => {
        this.alive = true;
        resolve(this);
      });
      socket.setNoDelay(true);
      this.socket = socket;
      socket.on("data", (chunk: Buffer) => {
        this.buffer += chunk.toString("latin1", 0, chunk.length);
        this.parse();
      });
      socket.on("error", (error) => {
        reject(error);
        this.fail(error);
      });
      socket.on("close", () => this.fail(new Error("connection closed")));
    });
  }

  post(path: string, headers: string, body: string): Promise<PostResult> {
    if (!this.alive) return Promise.reject(new Error("connection closed"));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  }

  close(): void {
    this.alive = false;
    this.socket?.destroy();
  }

  private fail(error: Error): void {
    this.alive = false;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }

  private parse(): void {
    const headEnd = this.buffer.indexOf("\r\n\r\n");
    if (headEnd < 0) return;
    const head = this.buffer.slice(0, headEnd).toLowerCase();
    const status = Number(this.buffer.slice(9, 12));
    const bodyStart = headEnd + 4;
    let body: string;
    let rest: string;
    const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
    if (length) {
      const n = Number(length[1]);
      if (this.buffer.length < bodyStart + n) return;
      body = this.buffer.slice(bodyStart, bodyStart + n);
      rest = this.buffer.slice(bodyStart + n);
    } else if (/\r\ntransfer-encoding:\s*chunked/.test(head)) {
      const decoded = decodeChunked(this.buffer, bodyStart);
      if (!decoded) return;
      [body, rest] = decoded;
    } else {
      // No length: the body runs to the close; publish answers here never do that.
      body = this.buffer.slice(bodyStart);
      rest = "";
    }
    this.buffer = rest;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (/\r\nconnection:\s*close/.test(head)) this.close();
    waiting?.resolve({ status, body });
  }
}

function decodeChunked(text: string, start: number): [string, string] | undefined {
  let body = "";
  let i = start;
  for (;;) {
    const nl = text.indexOf("\r\n", i);
    if (nl < 0) return undefined;
    const size = parseInt(text.slice(i, nl), 16);
    if (size === 0) {
      const end = text.indexOf("\r\n", nl + 2);
      if (end < 0) return undefined;
      return [body, text.slice(end + 2)];
    }
    if (text.length < nl + 2 + size + 2) return undefined;
    body += text.slice(nl + 2, nl + 2 + size);
    i = nl + 2 + size + 2;
  }
}
