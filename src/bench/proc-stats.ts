import { readFileSync, readdirSync } from "node:fs";

/**
 * Server-side figures straight from /proc, so every target is measured the
 * same way whatever its language: CPU as utime+stime ticks, memory as VmRSS.
 * A target may be several processes (nginx master+worker, wrangler's node and
 * two workerd); the caller picks which pids count.
 */
const TICK_US = 1_000_000 / 100; // CLK_TCK is 100 on Linux x86-64 and arm64

function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** utime+stime of one process (its threads included), in µs; 0 once it is gone. */
export function cpuMicros(pid: number): number {
  const f = statFields(pid);
  if (!f) return 0;
  // After the name: state(0) ppid(1) ... utime(11) stime(12)
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").filter(Boolean).join(" ");
  } catch {
    return "";
  }
}

/** The pid and every descendant of it, found through each process's ppid. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (!f) continue;
    const ppid = Number(f[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface Sample {
  cpuUs: number;
  rssKiB: number;
  at: number;
}

export function sample(pids: number[]): Sample {
  let cpuUs = 0;
  let rss = 0;
  for (const pid of pids) {
    cpuUs += cpuMicros(pid);
    rss += rssKiB(pid);
  }
  return { cpuUs, rssKiB: rss, at: performance.now() };
}

export function cpuModel(): string {
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "latin1"));
    return m ? m[1]!.trim() : "unknown";
  } catch {
    return "unknown";
  }
}

export function memTotalGiB(): number {
  try {
    const m = /MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "latin1"));
    return m ? Math.round((Number(m[1]) / 1024 / 1024) * 10) / 10 : 0;
  } catch {
    return 0;
  }
}

/** The 1-minute load average: a number to quote next to noisy results. */
export function loadAverage(): number {
  try {
    return Number(readFileSync("/proc/loadavg", "latin1").split(" ")[0]);
  } catch {
    return 0;
  }
}
