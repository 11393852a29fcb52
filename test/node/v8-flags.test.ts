import { describe, expect, it } from "vitest";
import { HUB_V8_FLAGS, flagsToSet } from "../../src/node/v8-flags.ts";

describe("the hub's V8 flags", () => {
  it("are all set when the command line names none of them", () => {
    expect(flagsToSet([])).toEqual(HUB_V8_FLAGS);
    expect(flagsToSet(["--max-old-space-size=256", "--trace-opt"])).toEqual(["--no-maglev"]);
  });

  it("leave a flag the command line sets, either way and in any spelling", () => {
    for (const given of ["--maglev", "--no-maglev", "--maglev=true", "--no_maglev"]) {
      expect(flagsToSet([given])).toEqual([]);
    }
  });
});
