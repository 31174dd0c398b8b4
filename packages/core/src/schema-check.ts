/**
 * The checking half of `validateResponses`: JSON Schema (2020-12) validation of success bodies
 * against the schemas codegen emits per portal (`response-schemas.gen.ts`). This is the
 * `@sciportals/core/schema-check` entry, imported only by that generated module, which a client
 * loads on its first call with validation on: a client without validation never loads it or the
 * validator it carries. `@cfworker/json-schema` interprets schemas without `eval` or
 * `new Function`, so it runs under a browser's Content-Security-Policy.
 */
import { dereference, validate, type OutputUnit, type Schema } from "@cfworker/json-schema";

/** A portal's response schemas, as codegen emits them. */
export interface ResponseSchemas {
  /** The spec's component schemas each operation's schemas refer to as `#/$defs/<name>`. */
  $defs: Record<string, unknown>;
  /** Per operation id, the schema of each success status's JSON body (`"200"`, `"2XX"`, `"default"`). */
  operations: Record<string, Record<string, unknown>>;
}

/** One place where a body differs from its schema. */
export interface SchemaDifference {
  /** JSON pointer of the value in the body (`""` for the body itself, `/items/3/species`). */
  pointer: string;
  /** The schema keyword that failed: `type`, `required`, `enum`, `additionalProperties`, … */
  keyword: string;
  /** What the schema asks for, in words: `string`, `required property "title"`, `one of ["a","b"]`. */
  expected: string;
  /** The value found at `pointer` (`undefined` for a missing property). The caller summarises it. */
  got: unknown;
}

/** Checks success bodies against a portal's schemas. */
export interface ResponseChecker {
  /**
   * The differences between `body` and the schema of `operationId`'s `status` response (empty when
   * it conforms), or `undefined` when the spec gives that response no JSON schema.
   */
  check(operationId: string, status: number, body: unknown): SchemaDifference[] | undefined;
}

// Keywords whose failure only says that something inside failed: the inner failure is reported.
const CONTAINERS = new Set([
  "$ref",
  "$recursiveRef",
  "$dynamicRef",
  "allOf",
  "properties",
  "patternProperties",
  "items",
  "prefixItems",
  "additionalItems",
  "unevaluatedItems",
  "dependentSchemas",
  "then",
  "else",
]);
// Keywords whose branches fail as a matter of course: report the keyword, not each branch.
const ALTERNATIVES = new Set(["anyOf", "oneOf", "not", "contains"]);

/** A checker for `schemas`; each operation's schema is prepared on its first use. */
export function responseChecker(schemas: ResponseSchemas): ResponseChecker {
  const root: Schema = { $defs: schemas.$defs };
  const lookup = dereference(root);
  const prepared = new Map<string, Schema | null>();

  function schemaFor(operationId: string, status: number): Schema | null {
    const key = `${operationId} ${status}`;
    let schema = prepared.get(key);
    if (schema !== undefined) return schema;
    const byStatus = schemas.operations[operationId];
    const found = byStatus?.[String(status)] ?? byStatus?.[`${String(status)[0]}XX`] ?? byStatus?.default;
    schema = found === undefined ? null : (found as Schema);
    // Registered under a pointer of its own in the shared lookup, so that its `#/$defs/…` refs
    // resolve against the portal's one copy of the component schemas.
    if (schema && typeof schema === "object" && !prepared.has(`@${operationId}`)) {
      for (const [code, each] of Object.entries(byStatus!))
        if (each && typeof each === "object")
          dereference(each as Schema, lookup, undefined, pointerOf(operationId, code));
      prepared.set(`@${operationId}`, null);
    }
    prepared.set(key, schema);
    return schema;
  }

  return {
    check(operationId, status, body) {
      const schema = schemaFor(operationId, status);
      if (schema === null) return undefined;
      const result = validate(body, schema, "2020-12", lookup, false);
      return result.valid ? [] : differences(result.errors, body, lookup, schema);
    },
  };
}

function pointerOf(operationId: string, status: string): string {
  return `/operations/${encode(operationId)}/${encode(status)}`;
}

function encode(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

function unescape(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** A validator location (`#/items/0/na%20me`, URI-encoded) as a JSON pointer (`/items/0/na me`). */
function toPointer(location: string): string {
  return location
    .replace(/^#/, "")
    .split("/")
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join("/");
}

/** The leaf failures of a validation, each as a {@link SchemaDifference}. */
function differences(
  errors: readonly OutputUnit[],
  body: unknown,
  lookup: Record<string, Schema | boolean>,
  schema: Schema,
): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  // Failures inside an anyOf/oneOf/not branch: the alternative itself is reported instead.
  const within = errors.filter((e) => ALTERNATIVES.has(e.keyword)).map((e) => `${e.keywordLocation}/`);
  for (let i = 0; i < errors.length; i++) {
    const error = errors[i]!;
    if (CONTAINERS.has(error.keyword)) continue;
    if (within.some((prefix) => error.keywordLocation.startsWith(prefix))) continue;
    if (error.keyword === "false") continue; // reported by the additionalProperties line before it
    let pointer = toPointer(error.instanceLocation);
    let expected = describe(error, schemaAt(schema, error.keywordLocation, lookup));
    let got = valueAt(body, pointer);
    if (error.keyword === "additionalProperties") {
      // The property's own pointer is on the failure that follows (a `false` schema, or its own).
      const inner = errors[i + 1];
      if (inner && inner.instanceLocation.startsWith(`${error.instanceLocation}/`)) {
        pointer = toPointer(inner.instanceLocation);
        got = valueAt(body, pointer);
        if (inner.keyword !== "false") continue; // a typed additionalProperties: the inner failure says it
      }
      expected = "no property not named by the schema";
    }
    if (error.keyword === "required") {
      const name = /required property "(.*)"\.$/.exec(error.error)?.[1];
      if (name !== undefined) {
        pointer = `${pointer}/${encode(name)}`;
        expected = `required property "${name}"`;
        got = undefined;
      }
    }
    out.push({ pointer, keyword: error.keyword, expected, got });
  }
  return out;
}

/** The schema object a failure's keyword sits in, following `$ref`s as the validator did. */
function schemaAt(
  schema: Schema,
  keywordLocation: string,
  lookup: Record<string, Schema | boolean>,
): Schema | undefined {
  const segments = toPointer(keywordLocation).split("/").slice(1).map(unescape);
  segments.pop(); // the keyword itself
  let current: unknown = schema;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    const node = current as Schema;
    current = segment === "$ref" ? lookup[node.__absolute_ref__ ?? node.$ref ?? ""] : node[segment];
  }
  return current !== null && typeof current === "object" ? (current as Schema) : undefined;
}

/** What the schema asks for at a failed keyword, in a few words. */
function describe(error: OutputUnit, at: Schema | undefined): string {
  const value = at?.[error.keyword];
  switch (error.keyword) {
    case "type":
      return Array.isArray(value) ? value.join(" or ") : String(value ?? "another type");
    case "enum":
      return `one of ${clip(JSON.stringify(value ?? []))}`;
    case "const":
      return `exactly ${clip(JSON.stringify(value))}`;
    case "format":
      return `format ${String(value)}`;
    case "pattern":
      return `a string matching ${clip(String(value))}`;
    case "anyOf":
    case "oneOf":
      return `${error.keyword === "oneOf" ? "exactly one" : "at least one"} of ${Array.isArray(value) ? value.length : "its"} schemas`;
    case "not":
      return "a value the `not` schema rejects";
    default:
      return value === undefined ? error.keyword : `${error.keyword} ${clip(JSON.stringify(value))}`;
  }
}

function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function valueAt(body: unknown, pointer: string): unknown {
  let current = body;
  for (const segment of pointer.split("/").slice(1)) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[unescape(segment)];
  }
  return current;
}
