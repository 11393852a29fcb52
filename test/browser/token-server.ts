import { createServer, type Server } from "node:http";
import { mint } from "../contract/harness.js";

/**
 * A stand-in for an app's backend token endpoint: every GET mints a fresh,
 * short-lived subscriber token. It serves another origin than the hub's
 * page, so it answers with CORS headers as a real one would.
 */
export class TokenServer {
  url = "";
  served = 0;
  private server?: Server;

  constructor(
    private readonly rights: { subscribe: string[]; publish?: string[] },
    private readonly lifetimeSeconds: number,
    private readonly secret?: string,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      void mint({ herald: this.rights, n: this.served }, { expiresIn: `${this.lifetimeSeconds}s`, secret: this.secret }).then((token) => {
        this.served++;
        response.writeHead(200, {
          "content-type": "application/json",
          "cache-control": "no-store",
          "access-control-allow-origin": "*",
        });
        response.end(JSON.stringify({ token }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/token`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
