/**
 * Who has a stream open on a topic (GET /topics/{topic}/presence): the
 * distinct token subjects with their stream counts, and the streams without
 * a subject. A stream of several topics counts on each of them.
 */
export interface PresenceCounts {
  subjects: Record<string, number>;
  anonymous: number;
}

/** The route's answer: subjects sorted, each with its streams. */
export interface PresenceAnswer {
  topic: string;
  subjects: Array<{ sub: string; streams: number }>;
  anonymous: number;
}

export type PresenceNotice = "herald.join" | "herald.leave";

/**
 * For a topic of PRESENCE_TOPICS: tells a subject's first stream opening
 * (join) and its last one closing (leave), the leave only once the subject
 * stayed away `graceMs`, so a reconnect announces nothing.
 */
export interface PresenceNotices {
  graceMs: number;
  announce(notice: PresenceNotice, subject: string): void;
}

/** One place's count (a topic's object, a relay, a Node topic), kept as streams open and close. */
export class Presence {
  private readonly subjects = new Map<string, number>();
  private anonymous = 0;
  /** Subjects whose last stream closed, and when their leave is due. */
  private readonly leaving = new Map<string, number>();

  constructor(private readonly notices?: PresenceNotices) {}

  /** A stream opens; `quietly`: one taken back after a restart, already announced. */
  add(subject: string | undefined, quietly = false): void {
    if (subject === undefined) return void this.anonymous++;
    const streams = (this.subjects.get(subject) ?? 0) + 1;
    this.subjects.set(subject, streams);
    if (streams > 1 || !this.notices) return;
    // Back within the grace: neither the leave nor a join is told.
    if (!this.leaving.delete(subject) && !quietly) this.notices.announce("herald.join", subject);
  }

  remove(subject: string | undefined, now: number): void {
    if (subject === undefined) return void this.anonymous--;
    const left = (this.subjects.get(subject) ?? 1) - 1;
    if (left > 0) return void this.subjects.set(subject, left);
    this.subjects.delete(subject);
    if (this.notices) this.leaving.set(subject, now + this.notices.graceMs);
  }

  /** Announces every leave now due; answers when the next is (undefined: none waits). */
  due(now: number): number | undefined {
    let next: number | undefined;
    for (const [subject, at] of this.leaving) {
      if (at > now) {
        next = Math.min(next ?? at, at);
        continue;
      }
      this.leaving.delete(subject);
      this.notices!.announce("herald.leave", subject);
    }
    return next;
  }

  /** The leaves waiting for their grace to run out, by subject: what a restart must not forget. */
  get waiting(): Record<string, number> {
    return Object.fromEntries(this.leaving);
  }

  /** Takes back leaves that were waiting before a restart (for subjects not back since). */
  restore(waiting: Record<string, number>): void {
    for (const [subject, at] of Object.entries(waiting)) if (!this.subjects.has(subject)) this.leaving.set(subject, at);
  }

  counts(): PresenceCounts {
    return { subjects: Object.fromEntries(this.subjects), anonymous: this.anonymous };
  }
}

/** Several places' counts as one (on Workers: a topic's object and its relays). */
export function presenceAnswer(topic: string, parts: PresenceCounts[]): PresenceAnswer {
  const subjects = new Map<string, number>();
  let anonymous = 0;
  for (const part of parts) {
    anonymous += part.anonymous;
    for (const [sub, streams] of Object.entries(part.subjects)) subjects.set(sub, (subjects.get(sub) ?? 0) + streams);
  }
  const sorted = [...subjects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { topic, subjects: sorted.map(([sub, streams]) => ({ sub, streams })), anonymous };
}
