import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { JWKS_PATH } from "../contract/profiles.js";

/** A stand-in identity provider: serves the test key set over HTTP on loopback. */
export async function serveJwks(jwks: object): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url !== JWKS_PATH) return void response.writeHead(404).end();
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${JWKS_PATH}`, server };
}
