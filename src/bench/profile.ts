import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Reads the .cpuprofile files `node --cpu-prof` wrote and totals self time
 * per function (name + file:line), idle left out, to show where a hub
 * spends its CPU.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  fn: string;
  where: string;
  ms: number;
  pct: number;
}

export function topSelfTime(dir: string, limit = 25): { totalMs: number; top: SelfTime[] } {
  const totals = new Map<string, { fn: string; where: string; us: number }>();
  let totalUs = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const node = byId.get(samples[i]!);
      if (!node) continue;
      const us = deltas[i + 1] ?? deltas[i] ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      const fn = functionName || "(anonymous)";
      // Idle time is not work: leave it out so the shares are of busy time.
      if (fn === "(idle)") continue;
      const where = url ? `${url.replace(/^.*\//, "")}:${lineNumber + 1}` : "";
      const key = `${fn}@${where}`;
      const entry = totals.get(key) ?? { fn, where, us: 0 };
      entry.us += us;
      totals.set(key, entry);
      totalUs += us;
    }
  }
  const top = [...totals.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, limit)
    .map((e) => ({ fn: e.fn, where: e.where, ms: Math.round(e.us / 100) / 10, pct: Math.round((e.us / totalUs) * 1000) / 10 }));
  return { totalMs: Math.round(totalUs / 1000), top };
}
