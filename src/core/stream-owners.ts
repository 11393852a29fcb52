import type { Config } from "./config.js";
import { HeraldError } from "./errors.js";

/**
 * Streams counted by whose they are (MAX_STREAMS_PER_USER, MAX_ANON_STREAMS_PER_IP).
 * A stream's owner is its token's subject, or, for a stream without one (no
 * token, or a token without `sub`), the address it came from. A stream of
 * several topics is one stream. The decision lives here; where the count is
 * kept is the runtime's (one process on Node, an object per owner on Workers).
 */
export type StreamsPolicy = "refuse" | "replace";

export interface OwnerRule {
  /** `sub:<subject>` or `ip:<address>` (see addressKey). */
  owner: string;
  limit: number;
  /** Anonymous streams are only ever refused: replacing would let a neighbour end them. */
  policy: StreamsPolicy;
}

/** What a refused stream is told to wait: a stream its client closed frees its place at once. */
export const STREAMS_RETRY_AFTER_SECONDS = 5;

/**
 * A stream's place in its owner's count, taken before the stream opens and
 * held until it closes.
 */
export interface StreamSlot {
  /**
   * Called once the stream is open with how to end it: `replaced` when a
   * newer stream of its owner took its place (the client must not reconnect
   * it), otherwise because its place can no longer be counted (the client
   * reconnects, and counts again).
   */
  hold(end: (replaced: boolean) => void): void;
  /** The stream's heartbeat: on Workers, tells the owner's object the place is still in use. */
  beat?(): void;
  /** The stream closed, or never opened: its place is free. Safe to call more than once. */
  release(): void;
}

/** The rule a new stream is counted under, or undefined if none applies. */
export function ownerRule(subject: string | undefined, address: string | undefined, config: Config): OwnerRule | undefined {
  if (subject !== undefined) {
    if (config.maxStreamsPerUser === 0) return undefined;
    return { owner: `sub:${subject}`, limit: config.maxStreamsPerUser, policy: config.streamsPerUserPolicy };
  }
  if (config.maxAnonStreamsPerIp === 0 || address === undefined) return undefined;
  return { owner: `ip:${addressKey(address)}`, limit: config.maxAnonStreamsPerIp, policy: "refuse" };
}

export function tooManyStreams(rule: OwnerRule): HeraldError {
  const whose = rule.owner.startsWith("sub:")
    ? `this user already has ${rule.limit} open stream(s) (MAX_STREAMS_PER_USER)`
    : `this address already has ${rule.limit} open anonymous stream(s) (MAX_ANON_STREAMS_PER_IP)`;
  return new HeraldError("too_many_streams", `${whose}: close one, or retry in ${STREAMS_RETRY_AFTER_SECONDS} s`, {
    "retry-after": String(STREAMS_RETRY_AFTER_SECONDS),
  });
}

/**
 * What a new stream of an owner does to its open streams `open`, oldest
 * first: under the policy `refuse`, nothing, or `too_many_streams` thrown if
 * they are at the limit, checked as the stream asks; under `replace`, the
 * oldest of them to end to make room, decided once the new stream is open,
 * so a stream that fails to open (a full topic) ends none; a probe takes no
 * place at all (see `check`).
 */
export function admit<T>(open: readonly T[], rule: OwnerRule): T[] {
  if (open.length < rule.limit) return [];
  if (rule.policy === "refuse") throw tooManyStreams(rule);
  return open.slice(0, open.length - rule.limit + 1);
}

/**
 * The key an address is counted under: IPv4 as it is (an IPv4-mapped IPv6
 * address as its IPv4), IPv6 by its /64, the block one household or
 * machine is given, so a client cannot step through its own block.
 */
export function addressKey(address: string): string {
  // A port, as some proxies write it (1.2.3.4:5678, [::1]:5678), is not part of the client.
  const text = address
    .trim()
    .toLowerCase()
    .replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, "$1")
    .replace(/^\[([^\]]*)\](:\d+)?$/, "$1")
    .replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (mapped) return mapped[1]!;
  if (!text.includes(":")) return text;
  const [head = "", tail] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** One process's count of every owner's streams (the Node entry). */
export class StreamOwners {
  private readonly owners = new Map<string, Set<LocalSlot>>();

  /** How many owners have open streams. */
  get size(): number {
    return this.owners.size;
  }

  /** Under `refuse`, throws `too_many_streams` as a new stream would be, taking no place (a probe's check). */
  check(rule: OwnerRule): void {
    if (rule.policy === "refuse") admit([...(this.owners.get(rule.owner) ?? [])], rule);
  }

  /** Takes a place for a new stream under `rule`, or refuses it; a replacing rule makes room once the stream is held. */
  admit(rule: OwnerRule): StreamSlot {
    let open = this.owners.get(rule.owner);
    if (rule.policy === "refuse") admit([...(open ?? [])], rule);
    if (!open) this.owners.set(rule.owner, (open = new Set()));
    const slots = open;
    const slot = new LocalSlot(
      () => {
        for (const replaced of admit([...slots].filter((other) => other !== slot), rule)) replaced.replace();
      },
      () => {
        slots.delete(slot);
        if (slots.size === 0 && this.owners.get(rule.owner) === slots) this.owners.delete(rule.owner);
      },
    );
    slots.add(slot);
    return slot;
  }
}

class LocalSlot implements StreamSlot {
  private end?: (replaced: boolean) => void;
  private replaced = false;
  private released = false;

  constructor(
    private readonly opened: () => void,
    private readonly forget: () => void,
  ) {}

  hold(end: (replaced: boolean) => void): void {
    if (this.released && !this.replaced) return;
    this.end = end;
    if (this.replaced) return end(true);
    this.opened();
  }

  /** A newer stream took this one's place: it counts no more from now. */
  replace(): void {
    this.release();
    this.replaced = true;
    this.end?.(true);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.forget();
  }
}
