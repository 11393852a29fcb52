/**
 * Counts the timers a Durable Object's entry points start: `setTimeout` and
 * `setInterval` are patched only around each call's synchronous work, so
 * nothing else in the isolate is counted. Tests of the objects that must
 * not keep themselves awake (the topic's object, a relay) run every entry
 * point through it.
 */
export function timerWatch(): { timers: string[]; watching<T>(call: () => T): T } {
  const timers: string[] = [];
  const saved = { setTimeout, setInterval };
  return {
    timers,
    watching<T>(call: () => T): T {
      globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => (timers.push("setTimeout"), saved.setTimeout(...args))) as typeof setTimeout;
      globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => (timers.push("setInterval"), saved.setInterval(...args))) as typeof setInterval;
      try {
        return call();
      } finally {
        Object.assign(globalThis, saved);
      }
    },
  };
}
