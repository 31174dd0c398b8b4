import { describe, expect, it } from "vitest";
import { ValidationError } from "../src/index.js";
import { validateInput } from "../src/validate.js";
import { ops } from "./portal.js";

const check = (meta: (typeof ops)[keyof typeof ops], input: Record<string, any>) => () =>
  validateInput("Testportal", meta, input);

describe("validateInput", () => {
  it("accepts valid input", () => {
    expect(check(ops.getThing, { path: { id: "AB12" } })).not.toThrow();
    expect(check(ops.listThings, { query: { page: 2, size: 50, tags: ["a", "b"] } })).not.toThrow();
  });

  it.each([
    [ops.getThing, {}, 'path parameter "id" is required'],
    [ops.getThing, { path: { id: "" } }, 'path parameter "id" must not be empty'],
    [ops.getThing, { path: { id: "AB/../CD" } }, 'must not contain "/"'],
    [ops.publicThing, { path: { id: ".." } }, 'must not contain "/" or be "." or ".."'],
    [ops.getThing, { path: { id: "ab" } }, "must match ^[A-Z0-9]+$"],
    [ops.listThings, { query: { size: 51 } }, 'query parameter "size" must be between 1 and 50 (got 51)'],
    [ops.listThings, { query: { size: 0 } }, "must be between 1 and 50 (got 0)"],
    [ops.listThings, { query: { page: 1.5 } }, "must be an integer (got 1.5)"],
    [ops.listThings, { query: { page: "2" } }, 'must be an integer (got "2")'],
    [ops.listThings, { query: { tags: ["c"] } }, 'has an element that must be one of "a", "b" (got "c")'],
    [ops.listThings, { query: { tags: "a" } }, 'must be an array (got "a")'],
    [ops.listByOffset, { query: { pageLimit: 2001 } }, "must be between 0 and 2000 (got 2001)"],
  ])("rejects %#", (meta, input, message) => {
    const run = check(meta, input);
    expect(run).toThrow(ValidationError);
    expect(run).toThrow(message);
  });

  it("names the portal, the operation and the parameter", () => {
    try {
      validateInput("Testportal", ops.listThings, { query: { size: 99 } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const e = error as ValidationError;
      expect(e.message).toBe(
        'Testportal: listThings: query parameter "size" must be between 1 and 50 (got 99).',
      );
      expect(e.operationId).toBe("listThings");
      expect(e.details).toEqual({ parameter: "size", in: "query", value: 99 });
    }
  });
});
