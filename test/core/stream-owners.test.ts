import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config.js";
import { HeraldError } from "../../src/core/errors.js";
import { addressKey, admit, ownerRule, StreamOwners, type OwnerRule } from "../../src/core/stream-owners.js";

const refuse: OwnerRule = { owner: "sub:alice", limit: 2, policy: "refuse" };
const replace: OwnerRule = { ...refuse, policy: "replace" };

describe("stream owners", () => {
  it("counts a stream with a subject as the user's, one without as its address's, each only when its limit is set", () => {
    const config = parseConfig({ MAX_STREAMS_PER_USER: "3", STREAMS_PER_USER_POLICY: "replace", MAX_ANON_STREAMS_PER_IP: "5" });
    expect(ownerRule("alice", "198.51.100.1", config)).toEqual({ owner: "sub:alice", limit: 3, policy: "replace" });
    // Anonymous streams are refused, never replaced: a neighbour behind the same address could end them.
    expect(ownerRule(undefined, "198.51.100.1", config)).toEqual({ owner: "ip:198.51.100.1", limit: 5, policy: "refuse" });
    expect(ownerRule(undefined, undefined, config)).toBeUndefined();
    expect(ownerRule("alice", "198.51.100.1", parseConfig({ MAX_ANON_STREAMS_PER_IP: "5" }))).toBeUndefined();
    expect(ownerRule(undefined, "198.51.100.1", parseConfig({ MAX_STREAMS_PER_USER: "5" }))).toBeUndefined();
  });

  it("admits under the limit, then refuses with Retry-After or names the oldest to replace", () => {
    expect(admit(["a"], refuse)).toEqual([]);
    try {
      admit(["a", "b"], refuse);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HeraldError);
      expect(error).toMatchObject({ code: "too_many_streams", status: 429, headers: { "retry-after": "5" } });
    }
    expect(admit(["a", "b"], replace)).toEqual(["a"]);
    // A limit lowered since (a new deploy): enough of the oldest go.
    expect(admit(["a", "b", "c", "d"], replace)).toEqual(["a", "b", "c"]);
  });

  it("keys IPv4 as it is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64", () => {
    expect(addressKey("198.51.100.7")).toBe("198.51.100.7");
    expect(addressKey("::ffff:198.51.100.7")).toBe("198.51.100.7");
    expect(addressKey("2001:db8:7:7::1")).toBe("2001:db8:7:7::/64");
    expect(addressKey("2001:0DB8:0007:0007:ffff:1:2:3")).toBe("2001:db8:7:7::/64");
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("[::1]")).toBe("0:0:0:0::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    // A port is not part of the client.
    expect(addressKey("198.51.100.7:5678")).toBe("198.51.100.7");
    expect(addressKey("[2001:db8:7:7::1]:443")).toBe("2001:db8:7:7::/64");
  });

  it("in one process: refuses past the limit, frees a place on release (once), and ends the oldest when replacing", () => {
    const owners = new StreamOwners();
    const [a, b] = [owners.admit(refuse), owners.admit(refuse)];
    expect(() => owners.admit(refuse)).toThrow(HeraldError);
    a.release();
    a.release();
    const c = owners.admit(refuse);
    expect(() => owners.admit(refuse)).toThrow(/MAX_STREAMS_PER_USER/);
    b.release();
    c.release();
    expect(owners.size).toBe(0);

    const ended: string[] = [];
    const held = (name: string) => (replaced: boolean) => ended.push(`${name}:${replaced}`);
    const first = owners.admit(replace);
    first.hold(held("first"));
    const second = owners.admit(replace);
    const third = owners.admit(replace);
    // Room is made once the new stream is open, not as it asks.
    expect(ended).toEqual([]);
    third.hold(held("third"));
    expect(ended).toEqual(["first:true"]);
    // A stream that never opened ends none.
    owners.admit(replace).release();
    expect(ended).toEqual(["first:true"]);
    // Replaced while still opening: it ends as soon as it is held.
    owners.admit(replace).hold(held("fourth"));
    second.hold(held("second"));
    expect(ended).toEqual(["first:true", "second:true"]);
    expect(() => owners.admit({ ...refuse, owner: "sub:bob" })).not.toThrow();
  });
});
