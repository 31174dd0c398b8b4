import { escapePointer, isObject, type Json, type JsonObject } from "../spec/json.js";
import {
  operationParams,
  operations,
  successSchema,
  HTTP_METHODS,
  type OperationSite,
} from "../spec/walk.js";
import { credential } from "./credential.js";
import { deviceFlow } from "./device-flow.js";
import { idempotent } from "./idempotent.js";
import { pagination } from "./pagination.js";
import { provenance } from "./provenance.js";
import { root } from "./root.js";
import { serialize } from "./serialize.js";
import { session } from "./session.js";
import { transfer } from "./transfer.js";
import type { CheckContext, Extension, Place } from "./types.js";
import { waiter } from "./waiter.js";

export type { CheckContext, Extension, Place } from "./types.js";
export {
  credential,
  deviceFlow,
  idempotent,
  pagination,
  provenance,
  root,
  serialize,
  session,
  transfer,
  waiter,
};

/** Every extension codegen understands; codegen/EXTENSIONS.md documents each. */
export const EXTENSIONS: readonly Extension<unknown>[] = [
  root,
  credential,
  session,
  deviceFlow,
  provenance,
  pagination,
  transfer,
  waiter,
  idempotent,
  serialize,
];
const byKey = new Map(EXTENSIONS.map((e) => [e.key, e]));

/** The checked value of an extension on a node, typed, or undefined when the node has none. */
export function readExtension<T>(node: Json | undefined, extension: Extension<T>): T | undefined {
  const value = isObject(node) ? node[extension.key] : undefined;
  return value === undefined ? undefined : extension.read(value);
}

interface Occurrence {
  key: string;
  value: Json;
  pointer: string;
  place: Place | "other";
  parent: JsonObject;
}

/** Every `x-sciportals*` key in the document, with the kind of node it sits on. */
function occurrences(document: JsonObject): Occurrence[] {
  const found: Occurrence[] = [];
  const walk = (node: Json, pointer: string, place: Occurrence["place"]) => {
    if (Array.isArray(node)) {
      const childPlace = pointer.endsWith("/parameters") ? "parameter" : "other";
      node.forEach((child, i) => walk(child, `${pointer}/${i}`, childPlace));
      return;
    }
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const childPointer = `${pointer}/${escapePointer(key)}`;
      if (key.startsWith("x-sciportals")) {
        found.push({ key, value, pointer: childPointer, place, parent: node });
        continue;
      }
      let childPlace: Occurrence["place"] = "other";
      if (pointer === "/components/securitySchemes") childPlace = "scheme";
      else if (pointer === "/components/parameters") childPlace = "parameter";
      else if (/^\/paths\/[^/]+$/.test(pointer) && (HTTP_METHODS as readonly string[]).includes(key))
        childPlace = "operation";
      if (typeof value === "object" && value !== null) walk(value, childPointer, childPlace);
    }
  };
  walk(document, "", "root");
  return found;
}

/**
 * Checks every `x-sciportals*` key in a spec: that codegen knows it, that it sits where it may,
 * and what its extension's own check says (fields, and the operations, parameters and response
 * fields it names). None is required. Returns every problem at once, each with a JSON pointer.
 */
export function validateExtensions(document: JsonObject): string[] {
  const found = occurrences(document);
  if (found.length === 0) return [];
  const sites = new Map<string, OperationSite>();
  const operationIds = new Set<string>();
  for (const site of operations(document)) {
    sites.set(site.pointer, site);
    if (typeof site.op.operationId === "string") operationIds.add(site.op.operationId);
  }
  const operationContext = new Map<string, Pick<CheckContext, "site" | "params" | "success">>();
  const problems: string[] = [];
  for (const { key, value, pointer, place, parent } of found) {
    const extension = byKey.get(key as Extension<unknown>["key"]);
    if (!extension) {
      problems.push(`${pointer}: unknown extension ${key} (see codegen/EXTENSIONS.md)`);
      continue;
    }
    if (extension.place !== place) {
      problems.push(`${pointer}: ${key} is not allowed here`);
      continue;
    }
    const context: CheckContext = { document, at: pointer, operationIds };
    if (place === "scheme") context.scheme = parent;
    if (place === "operation") {
      const opPointer = pointer.slice(0, pointer.lastIndexOf("/"));
      let extra = operationContext.get(opPointer);
      const site = sites.get(opPointer);
      if (!extra && site) {
        extra = {
          site,
          params: operationParams(document, site.item, site.op),
          success: successSchema(document, site.op),
        };
        operationContext.set(opPointer, extra);
      }
      Object.assign(context, extra);
    }
    problems.push(...extension.check(value, context));
  }
  return problems;
}
