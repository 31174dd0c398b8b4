import { escapePointer, isObject, objectAt, type Json, type JsonObject } from "./json.js";
import { deref } from "./refs.js";

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
export type HttpMethodKey = (typeof HTTP_METHODS)[number];

/** One operation of a document, with where it sits. */
export interface OperationSite {
  path: string;
  method: HttpMethodKey;
  /** The resolved path item (path-level parameters live here). */
  item: JsonObject;
  op: JsonObject;
  /** JSON pointer of the operation: `/paths/~1things/get`. */
  pointer: string;
}

/** Every operation under `paths`, in document order. */
export function* operations(document: JsonObject): Generator<OperationSite> {
  for (const [path, rawItem] of Object.entries(objectAt(document, "paths"))) {
    const item = deref(document, rawItem);
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (isObject(op)) yield { path, method, item, op, pointer: `/paths/${escapePointer(path)}/${method}` };
    }
  }
}

/** Path-level and operation-level parameters, resolved, the operation's overriding by name and location. */
export function operationParams(document: JsonObject, item: JsonObject, op: JsonObject): JsonObject[] {
  const byKey = new Map<string, JsonObject>();
  for (const list of [item.parameters, op.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const param = deref(document, raw);
      if (isObject(param)) byKey.set(`${String(param.in)}:${String(param.name)}`, param);
    }
  }
  return [...byKey.values()];
}

/** `application/json`, with parameters or a `+json` suffix. */
export function isJsonMedia(media: string): boolean {
  return /^application\/([\w.-]+\+)?json(;|$)/i.test(media);
}

/** Media types of a response or request body's content, resolved. */
export function mediaTypes(document: JsonObject, node: Json | undefined): string[] {
  const resolved = deref(document, node);
  return isObject(resolved) ? Object.keys(objectAt(resolved, "content")) : [];
}

/** The JSON schema of the first 2xx response with JSON content. */
export function successSchema(document: JsonObject, op: JsonObject): Json | undefined {
  const responses = objectAt(op, "responses");
  for (const status of Object.keys(responses).sort()) {
    if (!/^2(\d\d|XX)$/i.test(status)) continue;
    const response = deref(document, responses[status]);
    if (!isObject(response)) continue;
    for (const [media, body] of Object.entries(objectAt(response, "content"))) {
      if (isJsonMedia(media) && isObject(body)) return body.schema;
    }
  }
  return undefined;
}

/** The sub-schema at a dotted path, following $ref, allOf and the first matching branch of oneOf/anyOf. */
export function schemaAtPath(document: JsonObject, schema: Json, path: string): Json | undefined {
  if (path === "") return schema;
  let current: Json | undefined = schema;
  for (const key of path.split(".")) {
    current = propertyOf(document, current, key);
    if (current === undefined) return undefined;
  }
  return current;
}

function propertyOf(document: JsonObject, schema: Json | undefined, key: string): Json | undefined {
  const resolved = deref(document, schema);
  if (!isObject(resolved)) return undefined;
  if (isObject(resolved.properties) && resolved.properties[key] !== undefined)
    return resolved.properties[key];
  for (const combinator of ["allOf", "oneOf", "anyOf"]) {
    const list = resolved[combinator];
    if (!Array.isArray(list)) continue;
    for (const branch of list) {
      const found = propertyOf(document, branch, key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** True when the schema (or one of its combinator branches) is an array. */
export function schemaIsArray(document: JsonObject, schema: Json): boolean {
  const resolved = deref(document, schema);
  if (!isObject(resolved)) return false;
  if (resolved.type === "array" || (Array.isArray(resolved.type) && resolved.type.includes("array")))
    return true;
  for (const combinator of ["allOf", "oneOf", "anyOf"]) {
    const list = resolved[combinator];
    if (Array.isArray(list) && list.some((b) => schemaIsArray(document, b))) return true;
  }
  return false;
}

/**
 * A schema for file bytes (3.0's `format: binary`, 3.1's non-text `contentMediaType` without a
 * `contentEncoding`): a Blob or bytes at run time, never a string to check or parse.
 */
export function isBinarySchema(schema: { [key: string]: unknown }): boolean {
  if (schema.format === "binary") return true;
  const media = schema.contentMediaType;
  return typeof media === "string" && schema.contentEncoding === undefined && !/^text\/|json/i.test(media);
}

/**
 * The suggested values of an open enum: JSON Schema's way to say "one of these, or any other
 * string", `anyOf` (or `oneOf`) of a string `enum` and a plain string. Undefined for anything else.
 */
export function openEnumValues(schema: { [key: string]: unknown }): string[] | undefined {
  const branches = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : undefined;
  if (branches?.length !== 2) return undefined;
  const [a, b] = branches as { [key: string]: unknown }[];
  const plain = (s: { [key: string]: unknown } | undefined) =>
    s?.type === "string" && Object.keys(s).every((k) => k === "type" || k === "description");
  const known = (s: { [key: string]: unknown } | undefined) =>
    Array.isArray(s?.enum) && s.enum.length > 0 && s.enum.every((v) => typeof v === "string");
  if (known(a) && plain(b)) return a!.enum as string[];
  if (known(b) && plain(a)) return b!.enum as string[];
  return undefined;
}
