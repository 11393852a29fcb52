import { spawn } from "node:child_process";
import { devSecret, devToken, tryItText } from "./dev-token.ts";

/**
 * `npm start`: wrangler dev on the local workerd runtime, offline, storage on
 * disk in .wrangler/state, with a development JWT_SECRET (unless one is set)
 * and a ready-to-paste publish command and subscribe URL.
 */
const port = process.env["PORT"] ?? "8787";
const secret = process.env["JWT_SECRET"] ?? devSecret(".wrangler/herald-dev-secret");
const token = await devToken(secret);

const wrangler = spawn(
  "wrangler",
  ["dev", "--local", "--ip", "127.0.0.1", "--port", port, "--var", `JWT_SECRET:${secret}`, ...process.argv.slice(2)],
  {
    stdio: ["inherit", "pipe", "inherit"],
    env: {
      ...process.env,
      // No Cloudflare account or network needed: do not fetch Request.cf, send no metrics.
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
    },
  },
);

let announced = false;
wrangler.stdout.on("data", (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (!announced && chunk.toString().includes("Ready on")) {
    announced = true;
    process.stdout.write(tryItText(`http://127.0.0.1:${port}`, token) + "\n");
  }
});

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => wrangler.kill(signal));
wrangler.on("exit", (code) => process.exit(code ?? 0));
