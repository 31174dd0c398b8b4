/**
 * The URLs of a model, `/api/{private|public}/{app}/{model}/…/`, and the table that collects every
 * path of the document.
 * @module
 */
import type { Json, JsonObject } from "@sciportals/codegen/spec";
import { ACTIONS, actionOp } from "./actions.js";
import { param } from "./oas.js";
import { createOp, deleteOp, getOp, listOp, replaceOp, updateOp, type Operation } from "./operations.js";
import type { Model } from "./types.js";

/** A path item: shared parameters first, then its operations by method. */
export type PathItem = { parameters?: Json[] } & {
  [M in "get" | "post" | "put" | "patch" | "delete"]?: Operation;
};

/** Collects path items in insertion order; a path or operationId used twice is a bug in the table. */
export class PathTable {
  /** The `paths` object of the document. */
  readonly paths: JsonObject = {};
  readonly #operationIds = new Set<string>();

  /** Adds `item` at `path`. */
  add(path: string, item: PathItem): void {
    if (path in this.paths) throw new Error(`duplicate path ${path}`);
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(item)) {
      if (value === undefined) continue;
      if (!Array.isArray(value)) {
        if (this.#operationIds.has(value.operationId))
          throw new Error(`duplicate operationId ${value.operationId}`);
        this.#operationIds.add(value.operationId);
      }
      out[key] = value;
    }
    this.paths[path] = out;
  }

  /** How many operations the paths hold. */
  get operationCount(): number {
    return this.#operationIds.size;
  }
}

const idParam = (m: Model): JsonObject => param(m.idType === "integer" ? "IntegerId" : "Id");

/**
 * Every path of model `m`. The private portal has list and get, and for CRUD models create (unless
 * `noCreate`), update, replace and delete; then the custom actions; the public portal has list and
 * get without credentials. Each portal gets its own concrete paths so every operation is typed per model.
 */
export function addModelPaths(table: PathTable, m: Model): void {
  const writable = m.kind === "crud";
  const base = `/api/private/${m.app}/${m.model}/`;
  table.add(base, { get: listOp(m, false), ...(writable && !m.noCreate ? { post: createOp(m) } : {}) });
  table.add(`${base}{id}/`, {
    parameters: [idParam(m)],
    get: getOp(m, false),
    ...(writable ? { patch: updateOp(m), put: replaceOp(m), delete: deleteOp(m) } : {}),
  });
  for (const key of m.actions) {
    const action = ACTIONS[key];
    table.add(`${base}{id}/${action.segment}/`, {
      parameters: [idParam(m)],
      [action.method]: actionOp(m, key),
    });
  }
  if (m.public) {
    const pub = `/api/public/${m.app}/${m.model}/`;
    table.add(pub, { get: listOp(m, true) });
    table.add(`${pub}{id}/`, { parameters: [idParam(m)], get: getOp(m, true) });
  }
}
