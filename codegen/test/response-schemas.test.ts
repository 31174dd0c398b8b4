import { describe, expect, it } from "vitest";
import { toJsonSchema } from "../src/response-schemas.js";

describe("response schemas", () => {
  it("rewrites refs to $defs, drops annotations and keeps properties whatever their names", () => {
    const reached: string[] = [];
    const schema = toJsonSchema(
      {
        type: "object",
        description: "a thing",
        example: { id: 1 },
        "x-internal": true,
        required: ["description"],
        properties: {
          description: { type: "string", title: "Description" },
          owner: { $ref: "#/components/schemas/User" },
          tags: { type: "array", items: { $ref: "#/components/schemas/Tag~1Name" } },
        },
      },
      "3.1",
      (ref) => reached.push(ref),
    );
    expect(schema).toEqual({
      type: "object",
      required: ["description"],
      properties: {
        description: { type: "string" },
        owner: { $ref: "#/$defs/User" },
        tags: { type: "array", items: { $ref: "#/$defs/Tag~1Name" } },
      },
    });
    expect(reached).toEqual(["#/components/schemas/User", "#/components/schemas/Tag~1Name"]);
  });

  it("translates OpenAPI 3.0: nullable as a type array (enum with null) or anyOf, boolean exclusive bounds", () => {
    const convert = (schema: object) => toJsonSchema(schema as never, "3.0", () => {});
    expect(convert({ type: "string", nullable: true, enum: ["a", "b"] })).toEqual({
      type: ["string", "null"],
      enum: ["a", "b", null],
    });
    expect(convert({ allOf: [{ $ref: "#/components/schemas/User" }], nullable: true })).toEqual({
      anyOf: [{ allOf: [{ $ref: "#/$defs/User" }] }, { type: "null" }],
    });
    expect(
      convert({ type: "number", minimum: 0, exclusiveMinimum: true, maximum: 9, exclusiveMaximum: false }),
    ).toEqual({
      type: "number",
      exclusiveMinimum: 0,
      maximum: 9,
    });
    // 3.1 is JSON Schema already: `nullable` means nothing there and goes.
    expect(toJsonSchema({ type: ["string", "null"], nullable: true }, "3.1", () => {})).toEqual({
      type: ["string", "null"],
    });
  });
});
