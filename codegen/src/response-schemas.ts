/**
 * `response-schemas.gen.ts`: the JSON Schema (2020-12) of each operation's JSON success responses,
 * for core's `validateResponses`. Component schemas are kept once, as `$defs`, and only those a
 * response reaches; annotations (descriptions, examples, titles, `x-` extensions) are dropped, as
 * validation never reads them. OpenAPI 3.0's dialect is translated: `nullable` becomes a type
 * array (or an `anyOf` with null), boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers.
 * The client factory loads the module with a dynamic `import()`, so bundlers give it a chunk
 * of its own that a client without validation never loads.
 */
import { header } from "./emit.js";
import type { PortalModel } from "./model.js";
import {
  escapePointer,
  isObject,
  objectAt,
  unescapePointer,
  type Json,
  type JsonObject,
} from "./spec/json.js";
import { deref, pointer } from "./spec/refs.js";
import { isJsonMedia, operations } from "./spec/walk.js";

// Keywords whose value is a schema, a list of schemas, or a map of schemas: the walk follows them.
const SCHEMA = new Set([
  "items",
  "additionalProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "additionalItems",
  "contains",
  "propertyNames",
  "not",
  "if",
  "then",
  "else",
  "contentSchema",
]);
const SCHEMA_LIST = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
const SCHEMA_MAP = new Set(["properties", "patternProperties", "dependentSchemas"]);
// Annotations and OpenAPI-only keywords: no effect on validation.
const DROPPED = new Set([
  "description",
  "title",
  "example",
  "examples",
  "externalDocs",
  "xml",
  "discriminator",
  "deprecated",
  "readOnly",
  "writeOnly",
  "default",
  "$comment",
  "nullable",
]);
const COMPONENT = /^#\/components\/schemas\/([^/]+)$/;

/** What {@link responseSchemas} produces: the argument of core's `responseChecker()`. */
export interface ResponseSchemaSet {
  $defs: Record<string, Json>;
  operations: Record<string, Record<string, Json>>;
}

/**
 * The response schemas of every operation whose success body is JSON, by method name and status.
 * Call after operations are renamed to their method names (`generatePortal`).
 */
export function responseSchemas(
  model: PortalModel,
  document: JsonObject,
  version: "3.0" | "3.1",
): ResponseSchemaSet {
  const json = new Set(model.operations.filter((op) => op.parseAs === undefined).map((op) => op.id));
  const wanted: string[] = [];
  const convert = (schema: Json): Json => toJsonSchema(schema, version, (name) => wanted.push(name));
  const result: ResponseSchemaSet = { $defs: {}, operations: {} };
  for (const { op } of operations(document)) {
    const id = String(op.operationId);
    if (!json.has(id)) continue;
    const responses = objectAt(op, "responses");
    let statuses = Object.keys(responses).filter((s) => /^2(\d\d|XX)$/i.test(s));
    if (statuses.length === 0 && responses.default !== undefined) statuses = ["default"];
    const byStatus: Record<string, Json> = {};
    for (const status of statuses.sort()) {
      const response = deref(document, responses[status]);
      for (const [media, body] of Object.entries(objectAt(response as JsonObject, "content"))) {
        if (!isJsonMedia(media) || !isObject(body) || body.schema === undefined) continue;
        byStatus[status.toUpperCase()] = convert(body.schema);
        break;
      }
    }
    if (Object.keys(byStatus).length > 0) result.operations[id] = byStatus;
  }
  // Schemas reached from the responses, and those they reach in turn.
  for (let i = 0; i < wanted.length; i++) {
    const ref = wanted[i]!;
    const name = defName(ref);
    if (name in result.$defs) continue;
    const schema = pointer(document, ref);
    if (schema === undefined) throw new Error(`response schemas: unresolved $ref ${ref}`);
    result.$defs[name] = convert(schema);
  }
  result.$defs = Object.fromEntries(Object.entries(result.$defs).sort(([a], [b]) => (a < b ? -1 : 1)));
  return result;
}

/** The `$defs` name of a local `$ref`: the component's name, or the pointer made safe for one. */
function defName(ref: string): string {
  const match = COMPONENT.exec(ref);
  return match ? unescapePointer(match[1]!) : `ref${ref.slice(1).replace(/[^\w.-]/g, "_")}`;
}

/** A spec schema as a JSON Schema 2020-12 one; `reached` is told each local `$ref` it holds. */
export function toJsonSchema(schema: Json, version: "3.0" | "3.1", reached: (ref: string) => void): Json {
  if (typeof schema === "boolean" || !isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || key.startsWith("x-")) continue;
    if (key === "$ref" && typeof value === "string") {
      if (!value.startsWith("#/")) throw new Error(`response schemas: cannot follow $ref ${value}`);
      reached(value);
      out.$ref = `#/$defs/${escapePointer(defName(value))}`;
    } else if (SCHEMA.has(key)) out[key] = toJsonSchema(value, version, reached);
    else if (SCHEMA_LIST.has(key) && Array.isArray(value))
      out[key] = value.map((item) => toJsonSchema(item, version, reached));
    else if (SCHEMA_MAP.has(key) && isObject(value))
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, item]) => [name, toJsonSchema(item, version, reached)]),
      );
    else out[key] = value;
  }
  if (version === "3.0") return fromOpenApi30(schema, out);
  return out;
}

/** OpenAPI 3.0's `nullable` and boolean exclusive bounds, in JSON Schema's terms. */
function fromOpenApi30(original: JsonObject, out: JsonObject): JsonObject {
  for (const [flag, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    if (typeof out[flag] !== "boolean") continue;
    if (out[flag] === true && typeof out[bound] === "number") {
      out[flag] = out[bound];
      delete out[bound];
    } else delete out[flag];
  }
  if (original.nullable !== true) return out;
  if (typeof out.type === "string") {
    out.type = [out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: "null" }] };
}

/** The module's text: the schemas and a checker made from them by core. */
export function emitResponseSchemas(model: PortalModel, schemas: ResponseSchemaSet): string {
  const entries = (record: Record<string, Json>) =>
    Object.entries(record)
      .map(([key, value]) => `    ${JSON.stringify(key)}: ${JSON.stringify(value)},\n`)
      .join("");
  return [
    header(model),
    "/* eslint-disable */\n",
    'import { responseChecker } from "@sciportals/core/schema-check";\n\n',
    "/**\n",
    ` * The JSON Schema (2020-12) of each ${model.title} operation's JSON success responses, checked by\n`,
    " * `validateResponses`. Loaded on the first call with validation on, never otherwise.\n",
    " */\n",
    "export const checker = responseChecker({\n",
    "  $defs: {\n",
    entries(schemas.$defs),
    "  },\n",
    "  operations: {\n",
    entries(schemas.operations),
    "  },\n",
    "});\n",
  ].join("");
}
