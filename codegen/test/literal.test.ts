import { describe, expect, it } from "vitest";
import { literal } from "../src/literal.js";

describe("literal", () => {
  it("prints what fits on one line, keys unquoted where they are identifiers", () => {
    expect(literal({ id: "a", "x-y": 1, list: [1, "two", null], empty: {}, none: [] })).toBe(
      '{ id: "a", "x-y": 1, list: [1, "two", null], empty: {}, none: [] }',
    );
  });

  it("breaks what does not fit, one entry per line, and drops undefined", () => {
    const printed = literal(
      { name: "x".repeat(50), in: "query", enum: ["a".repeat(30), "b"], gone: undefined },
      "",
      60,
    );
    expect(printed).toBe(
      `{\n  name: "${"x".repeat(50)}",\n  in: "query",\n  enum: ["${"a".repeat(30)}", "b"],\n}`,
    );
  });

  it("is valid JavaScript that evaluates to the same data", () => {
    const data = { a: [{ b: 'q"uote\\n' }, 1.5, false], "0key": { "with space": true } };
    expect(new Function(`return ${literal(data, "", 10)}`)()).toEqual(data);
  });
});
