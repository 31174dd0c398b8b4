import type { Bump, ChangeKind, ChangeLog } from "./changes.js";
import {
  deepEqual,
  deref,
  isObject,
  pointer,
  schemaRefName,
  stringsOf,
  type Json,
  type JsonObject,
} from "@sciportals/codegen/spec";
import { unionKeys } from "./keys.js";

/**
 * Which way data flows through a schema. Users write requests and read responses, so the same
 * change breaks one and not the other: a new required field breaks a request, not a response;
 * a field made optional breaks a response (readers relied on it), not a request.
 */
export type Direction = "request" | "response";

/** Where a schema sits: what it belongs to, the field path inside it, and whether it is a shared component. */
export interface Where {
  base: string;
  path: string;
  shared: boolean;
}

/** Keys that only document; a change to them is a patch. */
const DOC_KEYS = ["title", "description", "example", "examples", "$comment", "externalDocs"];
const MIN_KEYS = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"];
const MAX_KEYS = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"];
/** Other validation keywords: adding or changing one may refuse a value accepted before. */
const OTHER_CONSTRAINTS = ["pattern", "multipleOf", "uniqueItems"];
/** Keys compared structurally; every other key that changes is reported as a patch. */
const HANDLED = new Set([
  ...DOC_KEYS,
  ...MIN_KEYS,
  ...MAX_KEYS,
  ...OTHER_CONSTRAINTS,
  "$ref",
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "allOf",
  "anyOf",
  "oneOf",
  "deprecated",
]);

function location(where: Where): string {
  return where.path ? `${where.base} field "${where.path}"` : where.base;
}

function normalize(node: Json | undefined): JsonObject {
  if (node === false) return { not: {} };
  return isObject(node) ? node : {};
}

/** The schema's types, inferred from its keywords when `type` is absent; undefined means any. */
function typesOf(schema: JsonObject): string[] | undefined {
  if (typeof schema.type === "string") return [schema.type];
  if (Array.isArray(schema.type)) return stringsOf(schema.type);
  if (schema.properties !== undefined || schema.additionalProperties !== undefined) return ["object"];
  if (schema.items !== undefined) return ["array"];
  const values = enumOf(schema);
  if (values) {
    const types = new Set(
      values.map((v) => (v === null ? "null" : Number.isInteger(v) ? "integer" : typeof v)),
    );
    return [...types];
  }
  return undefined;
}

function enumOf(schema: JsonObject): Json[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum;
  if (schema.const !== undefined) return [schema.const];
  return undefined;
}

/** `integer` is a `number`. */
function covers(types: string[], type: string): boolean {
  return types.includes(type) || (type === "integer" && types.includes("number"));
}

function formatTypes(types: string[] | undefined): string {
  return types ? types.join(" | ") : "any";
}

function formatValue(value: Json | undefined): string {
  return value === undefined ? "none" : JSON.stringify(value);
}

/** allOf merged into one object schema, for when the two sides do not line up part by part. */
function flatten(document: JsonObject, schema: JsonObject, depth = 0): JsonObject {
  if (!Array.isArray(schema.allOf) || depth > 32) return schema;
  const { allOf, ...rest } = schema;
  const merged: JsonObject = { ...rest };
  const properties: JsonObject = isObject(rest.properties) ? { ...rest.properties } : {};
  const required = new Set(stringsOf(rest.required));
  for (const raw of allOf) {
    const part = flatten(document, normalize(deref(document, raw, "lenient")), depth + 1);
    if (isObject(part.properties)) Object.assign(properties, part.properties);
    for (const name of stringsOf(part.required)) required.add(name);
    for (const [key, value] of Object.entries(part)) {
      if (key !== "properties" && key !== "required" && !(key in merged)) merged[key] = value;
    }
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return merged;
}

/** What kind of extra fields an object allows. */
function extraFields(value: Json | undefined): "default" | "open" | "closed" | "schema" {
  if (value === undefined) return "default";
  if (value === true || (isObject(value) && Object.keys(value).length === 0)) return "open";
  if (value === false) return "closed";
  return "schema";
}

/**
 * Compares two versions of a schema in one direction, following local `$ref`s. A component
 * schema is compared once per direction and its changes are located in it (`response schema
 * "Dataset" field "species"`); every operation that reaches it is added to their `usedBy`.
 */
export class SchemaDiff {
  private readonly memo = new Map<string, Set<string>>();
  private readonly stack = new Set<string>();
  /** Counts recursion cut short by a cycle; a result computed across a cut is not memoized. */
  private cuts = 0;

  constructor(
    private readonly oldDoc: JsonObject,
    private readonly newDoc: JsonObject,
    private readonly log: ChangeLog,
  ) {}

  /** Returns the keys (in the log) of every change found, so the caller can attribute them. */
  compare(
    oldNode: Json | undefined,
    newNode: Json | undefined,
    direction: Direction,
    where: Where,
  ): Set<string> {
    const oldName = schemaRefName(oldNode);
    if (oldName !== undefined && oldName === schemaRefName(newNode)) {
      const keys = this.named(oldName, direction);
      const siblings = this.siblings(oldNode, newNode, where);
      return siblings.size ? new Set([...keys, ...siblings]) : keys;
    }
    const oldRef = isObject(oldNode) && typeof oldNode.$ref === "string" ? oldNode.$ref : "";
    const newRef = isObject(newNode) && typeof newNode.$ref === "string" ? newNode.$ref : "";
    const pair = oldRef || newRef ? `${oldRef}|${newRef}|${direction}` : undefined;
    if (pair) {
      if (this.stack.has(pair)) {
        this.cuts++;
        return new Set();
      }
      this.stack.add(pair);
    }
    try {
      return this.compareResolved(
        normalize(deref(this.oldDoc, oldNode, "lenient")),
        normalize(deref(this.newDoc, newNode, "lenient")),
        direction,
        where,
      );
    } finally {
      if (pair) this.stack.delete(pair);
    }
  }

  private named(name: string, direction: Direction): Set<string> {
    const key = `${name}|${direction}`;
    const known = this.memo.get(key);
    if (known) return known;
    if (this.stack.has(key)) {
      this.cuts++;
      return new Set();
    }
    this.stack.add(key);
    const cuts = this.cuts;
    const ref = `#/components/schemas/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    const keys = this.compareResolved(
      normalize(deref(this.oldDoc, pointer(this.oldDoc, ref), "lenient")),
      normalize(deref(this.newDoc, pointer(this.newDoc, ref), "lenient")),
      direction,
      { base: `${direction} schema "${name}"`, path: "", shared: true },
    );
    this.stack.delete(key);
    if (this.cuts === cuts) this.memo.set(key, keys);
    return keys;
  }

  /** Keys next to a `$ref` (a description, `deprecated`). */
  private siblings(oldNode: Json | undefined, newNode: Json | undefined, where: Where): Set<string> {
    const keys = new Set<string>();
    const o = normalize(oldNode);
    const n = normalize(newNode);
    const changed = unionKeys(o, n).filter((key) => key !== "$ref" && !deepEqual(o[key], n[key]));
    if (changed.length === 0) return keys;
    const add = (kind: ChangeKind, bump: Bump, detail?: string) =>
      keys.add(
        this.log.add({ kind, location: location(where), bump, ...(detail ? { detail } : {}) }, where.shared),
      );
    if (n.deprecated === true && o.deprecated !== true) add("deprecated", "minor");
    const docs = changed.filter((key) => DOC_KEYS.includes(key));
    if (docs.length) add("documentation-changed", "patch", docs.join(", "));
    const other = changed.filter((key) => !DOC_KEYS.includes(key) && key !== "deprecated");
    if (other.length) add("other-changed", "patch", other.join(", "));
    return keys;
  }

  private compareResolved(o: JsonObject, n: JsonObject, direction: Direction, where: Where): Set<string> {
    const keys = new Set<string>();
    const request = direction === "request";
    const addAt = (at: Where, kind: ChangeKind, bump: Bump, detail?: string) =>
      keys.add(
        this.log.add({ kind, location: location(at), bump, ...(detail ? { detail } : {}) }, at.shared),
      );
    const add = (kind: ChangeKind, bump: Bump, detail?: string) => addAt(where, kind, bump, detail);
    const merge = (found: Set<string>) => found.forEach((key) => keys.add(key));

    // allOf: part by part when both sides have the same parts, else as one merged schema.
    const oldAll = Array.isArray(o.allOf) ? o.allOf : undefined;
    const newAll = Array.isArray(n.allOf) ? n.allOf : undefined;
    if (oldAll && newAll && oldAll.length === newAll.length) {
      oldAll.forEach((part, i) => merge(this.compare(part, newAll[i], direction, where)));
    } else if (oldAll || newAll) {
      o = flatten(this.oldDoc, o);
      n = flatten(this.newDoc, n);
    }

    const docs = DOC_KEYS.filter((key) => !deepEqual(o[key], n[key]));
    if (docs.length) add("documentation-changed", "patch", docs.join(", "));
    if (n.deprecated === true && o.deprecated !== true) add("deprecated", "minor");
    if (o.deprecated === true && n.deprecated !== true) add("other-changed", "patch", "no longer deprecated");
    const other = unionKeys(o, n).filter((key) => !HANDLED.has(key) && !deepEqual(o[key], n[key]));
    if (other.length) add("other-changed", "patch", other.join(", "));

    // anyOf / oneOf: alternatives matched by what they are. A plain schema on one side counts as
    // a single alternative, so `string` -> `anyOf: [string, null]` reads as "now nullable".
    const oldVariants = Array.isArray(o.anyOf) ? o.anyOf : Array.isArray(o.oneOf) ? o.oneOf : undefined;
    const newVariants = Array.isArray(n.anyOf) ? n.anyOf : Array.isArray(n.oneOf) ? n.oneOf : undefined;
    if (oldVariants || newVariants) {
      merge(
        this.compareVariants(
          oldVariants ?? [structural(o)],
          newVariants ?? [structural(n)],
          direction,
          where,
        ),
      );
      if (!oldVariants || !newVariants) return keys;
    }

    const oldTypes = typesOf(o);
    const newTypes = typesOf(n);
    if (formatTypes(oldTypes) !== formatTypes(newTypes)) {
      const widened =
        oldTypes !== undefined && (newTypes === undefined || newTypes.some((t) => !covers(oldTypes, t)));
      const narrowed =
        newTypes !== undefined && (oldTypes === undefined || oldTypes.some((t) => !covers(newTypes, t)));
      const detail = `${formatTypes(oldTypes)} → ${formatTypes(newTypes)}`;
      if (widened && narrowed) {
        // A different type altogether: what lies below it no longer compares.
        add("type-changed", "major", detail);
        return keys;
      }
      if (narrowed) add("type-narrowed", request ? "major" : "minor", detail);
      if (widened) add("type-widened", request ? "minor" : "major", detail);
    }

    const oldEnum = enumOf(o);
    const newEnum = enumOf(n);
    if (oldEnum && newEnum) {
      const oldValues = oldEnum.map((v) => JSON.stringify(v));
      const newValues = newEnum.map((v) => JSON.stringify(v));
      for (const value of oldValues)
        // Major both ways: a request may no longer send it, and TypeScript refuses code that still
        // compares a response field with a literal its type no longer has (TS2367, TS2678).
        if (!newValues.includes(value)) add("enum-value-removed", "major", value);
      for (const value of newValues) if (!oldValues.includes(value)) add("enum-value-added", "minor", value);
    } else if (newEnum) {
      add("enum-added", request ? "major" : "minor", newEnum.map((v) => JSON.stringify(v)).join(", "));
    } else if (oldEnum) {
      add("enum-removed", request ? "minor" : "major");
    }

    for (const key of [...MIN_KEYS, ...MAX_KEYS, ...OTHER_CONSTRAINTS]) {
      const before = o[key];
      const after = n[key];
      if (deepEqual(before, after)) continue;
      let tightened: boolean;
      if (MIN_KEYS.includes(key) && typeof after === "number")
        tightened = typeof before !== "number" || after > before;
      else if (MAX_KEYS.includes(key) && typeof after === "number")
        tightened = typeof before !== "number" || after < before;
      else tightened = after !== undefined && after !== false;
      const detail = `${key} ${formatValue(before)} → ${formatValue(after)}`;
      if (!request) add("constraint-changed", "patch", detail);
      else if (tightened) add("constraint-tightened", "major", detail);
      else add("constraint-loosened", "minor", detail);
    }

    const oldProps = isObject(o.properties) ? o.properties : {};
    const newProps = isObject(n.properties) ? n.properties : {};
    const oldRequired = new Set(stringsOf(o.required));
    const newRequired = new Set(stringsOf(n.required));
    const names = unionKeys(oldProps, newProps);
    for (const name of [...oldRequired, ...newRequired]) if (!names.includes(name)) names.push(name);
    for (const name of names) {
      const at: Where = { ...where, path: where.path ? `${where.path}.${name}` : name };
      const before = oldProps[name];
      const after = newProps[name];
      // Fields the server fills (readOnly) are not request input; writeOnly ones never come back.
      const flag = request ? "readOnly" : "writeOnly";
      const ignored = (doc: JsonObject, prop: Json | undefined) =>
        prop === undefined ||
        (isObject(prop) && prop[flag] === true) ||
        normalize(deref(doc, prop, "lenient"))[flag] === true;
      if (
        (before !== undefined || after !== undefined) &&
        ignored(this.oldDoc, before) &&
        ignored(this.newDoc, after)
      )
        continue;
      const inOld = name in oldProps || oldRequired.has(name);
      const inNew = name in newProps || newRequired.has(name);
      if (inOld && !inNew) {
        addAt(at, "field-removed", "major");
      } else if (!inOld && inNew) {
        if (request && newRequired.has(name)) addAt(at, "required-field-added", "major");
        else addAt(at, "field-added", "minor");
      } else {
        if (!oldRequired.has(name) && newRequired.has(name))
          addAt(at, "field-required", request ? "major" : "minor");
        if (oldRequired.has(name) && !newRequired.has(name))
          addAt(at, "field-optional", request ? "minor" : "major");
        if (before !== undefined && after !== undefined) merge(this.compare(before, after, direction, at));
      }
    }

    const oldExtra = extraFields(o.additionalProperties);
    const newExtra = extraFields(n.additionalProperties);
    if (oldExtra === "schema" && newExtra === "schema") {
      const at = { ...where, path: where.path ? `${where.path}.*` : "*" };
      merge(this.compare(o.additionalProperties, n.additionalProperties, direction, at));
    } else if (oldExtra !== newExtra) {
      if (newExtra === "closed") add("extra-fields-refused", request ? "major" : "minor");
      else if (oldExtra === "closed") add("extra-fields-allowed", "minor");
      else if (newExtra === "schema")
        add("type-narrowed", request ? "major" : "minor", "extra fields: any → schema");
      else if (oldExtra === "schema")
        add("type-widened", request ? "minor" : "major", "extra fields: schema → any");
      else add("other-changed", "patch", "additionalProperties");
    }

    if (o.items !== undefined || n.items !== undefined) {
      const at = { ...where, path: `${where.path}[]` };
      merge(this.compare(o.items ?? {}, n.items ?? {}, direction, at));
    }
    return keys;
  }

  private compareVariants(
    oldVariants: Json[],
    newVariants: Json[],
    direction: Direction,
    where: Where,
  ): Set<string> {
    const keys = new Set<string>();
    const request = direction === "request";
    const add = (kind: ChangeKind, bump: Bump, detail: string) =>
      keys.add(this.log.add({ kind, location: location(where), bump, detail }, where.shared));
    const oldBySig = this.signatures(this.oldDoc, oldVariants);
    const newBySig = this.signatures(this.newDoc, newVariants);
    for (const [sig, variant] of oldBySig) {
      const match = newBySig.get(sig);
      if (match !== undefined) {
        this.compare(variant, match, direction, where).forEach((key) => keys.add(key));
      } else if (sig === "null") {
        add("type-narrowed", request ? "major" : "minor", "no longer nullable");
      } else {
        add("variant-removed", request ? "major" : "minor", sig);
      }
    }
    for (const sig of newBySig.keys()) {
      if (oldBySig.has(sig)) continue;
      if (sig === "null") add("type-widened", request ? "minor" : "major", "now nullable");
      else add("variant-added", request ? "minor" : "major", sig);
    }
    return keys;
  }

  /** Names each alternative by what it is (`schema "Uuid"`, `string`, `null`), numbering repeats. */
  private signatures(document: JsonObject, variants: Json[]): Map<string, Json> {
    const bySig = new Map<string, Json>();
    for (const variant of variants) {
      const name = schemaRefName(variant);
      const types = typesOf(normalize(deref(document, variant, "lenient")));
      let sig = name !== undefined ? `schema "${name}"` : formatTypes(types);
      for (let n = 2; bySig.has(sig); n++) sig = `${sig.replace(/ #\d+$/, "")} #${n}`;
      bySig.set(sig, variant);
    }
    return bySig;
  }
}

/** A plain schema as one alternative: its shape without the documentation, compared once already. */
function structural(schema: JsonObject): JsonObject {
  const shape: JsonObject = {};
  for (const [key, value] of Object.entries(schema))
    if (HANDLED.has(key) && !DOC_KEYS.includes(key) && key !== "deprecated") shape[key] = value;
  return shape;
}
