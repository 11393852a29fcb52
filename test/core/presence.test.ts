import { describe, expect, it } from "vitest";
import { Presence, presenceAnswer, type PresenceNotice } from "../../src/core/presence.js";

function announced(graceMs = 1000) {
  const told: string[] = [];
  const presence = new Presence({ graceMs, announce: (notice: PresenceNotice, subject: string) => told.push(`${notice} ${subject}`) });
  return { presence, told };
}

describe("presence", () => {
  it("tells a subject's first stream and, once its grace ran out, its last; a return within the grace tells nothing", () => {
    const { presence, told } = announced();
    presence.add("alice");
    presence.add("alice");
    presence.add(undefined);
    expect(told).toEqual(["herald.join alice"]);
    presence.remove("alice", 0);
    presence.remove("alice", 100);
    expect(presence.due(1099)).toBe(1100);
    presence.add("alice");
    expect(presence.due(5000)).toBeUndefined();
    presence.remove("alice", 6000);
    expect(told).toEqual(["herald.join alice"]);
    expect(presence.due(7000)).toBeUndefined();
    expect(told).toEqual(["herald.join alice", "herald.leave alice"]);
    expect(presence.counts()).toEqual({ subjects: {}, anonymous: 1 });
  });

  it("takes streams back quietly after a restart, with the leaves that were waiting", () => {
    const { presence, told } = announced();
    presence.add("bob", true);
    presence.restore({ carol: 500, bob: 400 });
    expect(presence.waiting).toEqual({ carol: 500 });
    presence.due(600);
    expect(told).toEqual(["herald.leave carol"]);
  });

  it("merges places' counts, subjects sorted", () => {
    expect(presenceAnswer("t", [{ subjects: { b: 1, a: 2 }, anonymous: 1 }, { subjects: { b: 2 }, anonymous: 3 }])).toEqual({
      topic: "t",
      subjects: [
        { sub: "a", streams: 2 },
        { sub: "b", streams: 3 },
      ],
      anonymous: 4,
    });
  });
});
