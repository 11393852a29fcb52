import { setFlagsFromString } from "node:v8";

/**
 * V8 flags the hub sets on itself at start, because V8's defaults suit page
 * code, not a process holding thousands of idle sockets.
 *
 * Going from 100 to 1,000 idle subscribers, RSS grew by about 20 KB per
 * subscriber, though the objects each one keeps take under 2 KB. About 5 MB
 * of that growth was in the glibc malloc arenas of V8's background threads,
 * where Maglev (V8's middle compiler tier) compiles the connection path as
 * it gets hot, and the arenas keep it. With Maglev off, hot code goes from
 * the baseline tier straight to TurboFan, as it did before Node 22, and the
 * growth is about 7 KB per subscriber.
 *
 * The price is paid per request while the hub warms up: until TurboFan has
 * compiled the request path, it runs in the baseline tier, so publishes
 * and reconnects cost more CPU for the first tens of seconds, and about
 * the same after (docs/node.md has the figures). Fan-out measured the same.
 *
 * V8 reads the flag each time it picks a tier for a function, so setting it
 * at start takes effect, and users need not pass it.
 */
export const HUB_V8_FLAGS: readonly string[] = ["--no-maglev"];

/** The hub's flags that the command line does not already set one way or the other. */
export function flagsToSet(execArgv: readonly string[]): string[] {
  const given = new Set(execArgv.map(flagName));
  return HUB_V8_FLAGS.filter((flag) => !given.has(flagName(flag)));
}

/** Sets the hub's V8 flags; a flag given on the command line (`node --maglev ...`) wins. */
export function tuneV8(execArgv: readonly string[] = process.execArgv): string[] {
  const flags = flagsToSet(execArgv);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}

/** `--no-maglev`, `--maglev` and `--maglev=false` all name `maglev`; V8 reads `_` as `-`. */
function flagName(arg: string): string {
  return arg
    .replace(/^--?/, "")
    .replace(/=.*$/s, "")
    .replaceAll("_", "-")
    .replace(/^no-/, "");
}
