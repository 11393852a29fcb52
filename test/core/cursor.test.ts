import { describe, expect, it } from "vitest";
import { formatCursor, parseCursor } from "../../src/core/cursor.js";

describe("stream cursor", () => {
  it("round-trips, sorted by topic, with the source first", () => {
    const positions = new Map([
      ["user:alice@example.com", "mwq1abc-0"],
      ["orders", "mwq2def-17"],
    ]);
    const cursor = formatCursor("orders", positions);
    expect(cursor).toBe("orders;orders=mwq2def-17,user:alice@example.com=mwq1abc-0");
    expect(parseCursor(cursor)).toEqual(positions);
    expect(parseCursor(formatCursor("", new Map()))).toEqual(new Map());
  });

  it("refuses anything else", () => {
    for (const bad of ["", "orders", "orders=a-1", ";orders=", ";orders=a-1,", ";orders=A-1", ";a=b-1;c=d-2", ";o=a-1,o=a-2", ";-x=a-1"]) {
      expect(() => parseCursor(bad), bad).toThrow(expect.objectContaining({ code: "bad_cursor", status: 400 }));
    }
  });
});
