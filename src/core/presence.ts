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

/** One place's count (a topic's object, a relay, a Node topic), kept as streams open and close. */
export class Presence {
  private readonly subjects = new Map<string, number>();
  private anonymous = 0;

  add(subject: string | undefined): void {
    if (subject === undefined) this.anonymous++;
    else this.subjects.set(subject, (this.subjects.get(subject) ?? 0) + 1);
  }

  remove(subject: string | undefined): void {
    if (subject === undefined) return void this.anonymous--;
    const left = (this.subjects.get(subject) ?? 1) - 1;
    if (left > 0) this.subjects.set(subject, left);
    else this.subjects.delete(subject);
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
