/**
 * The URLs of a model, `/api/{private|public|super}/{app}/{model}/…/`, and the table that collects every
 * path of the document.
 * @module
 */
import type { Json, JsonObject } from "@sciportals/codegen/spec";
import { ACTIONS, actionOp } from "./actions.js";
import { param } from "./oas.js";
import {
  createOp,
  deleteOp,
  getOp,
  listOp,
  op,
  replaceOp,
  updateOp,
  type Operation,
  type OperationFields,
} from "./operations.js";
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
 * The alias of `operation` at the Python client's URL: the same operation, deprecated, its id
 * suffixed `Underscored` so that codegen gives it a clean name of its own.
 */
function pyAlias(m: Model, operation: Operation | undefined): Operation | undefined {
  if (!operation) return undefined;
  const { operationId, summary, description, ...rest } = operation;
  return op({
    ...(rest as unknown as OperationFields),
    operationId: `${operationId}Underscored`,
    summary: `${String(summary)} (alias: the Python client's URL)`,
    description:
      `Alias of ${operationId} at \`${m.pyModel}\`, the URL name the Python client (v2.0.0, \`_MODEL_TO_APP\`) uses; ` +
      `the docs and the MATLAB client use \`${m.model}\`, and the real server's form cannot be checked offline. ` +
      `Use ${operationId}.\n\n${String(description)}`,
    deprecated: true,
  });
}

/**
 * Every path of model `m`. The private portal has list and get, and for CRUD models create (unless
 * `noCreate`), update, replace and delete; then the custom actions; the public portal has list and
 * get without credentials; the `super` portal list and get with a token (unverified). Each portal
 * gets its own concrete paths so every operation is typed per model. A model the Python client
 * spells differently (`pyModel`) also answers at that URL, as deprecated aliases.
 */
export function addModelPaths(table: PathTable, m: Model): void {
  const writable = m.kind === "crud";
  const privateItems = (): [string, PathItem][] => {
    const base = `/api/private/${m.app}/${m.model}/`;
    const items: [string, PathItem][] = [
      [base, { get: listOp(m, "private"), ...(writable && !m.noCreate ? { post: createOp(m) } : {}) }],
      [
        `${base}{id}/`,
        {
          parameters: [idParam(m)],
          get: getOp(m, "private"),
          ...(writable ? { patch: updateOp(m), put: replaceOp(m), delete: deleteOp(m) } : {}),
        },
      ],
    ];
    for (const key of m.actions) {
      const action = ACTIONS[key];
      items.push([
        `${base}{id}/${action.segment}/`,
        { parameters: [idParam(m)], [action.method]: actionOp(m, key) },
      ]);
    }
    return items;
  };
  for (const [path, item] of privateItems()) table.add(path, item);
  if (m.pyModel) {
    const from = `/api/private/${m.app}/${m.model}/`;
    const to = `/api/private/${m.app}/${m.pyModel}/`;
    for (const [path, item] of privateItems()) {
      const alias: PathItem = item.parameters ? { parameters: item.parameters } : {};
      for (const method of ["get", "post", "put", "patch", "delete"] as const)
        if (item[method]) alias[method] = pyAlias(m, item[method]);
      table.add(path.replace(from, to), alias);
    }
  }
  if (m.public) {
    const pub = `/api/public/${m.app}/${m.model}/`;
    table.add(pub, { get: listOp(m, "public") });
    table.add(`${pub}{id}/`, { parameters: [idParam(m)], get: getOp(m, "public") });
  }
  const sup = `/api/super/${m.app}/${m.model}/`;
  table.add(sup, { get: listOp(m, "super") });
  table.add(`${sup}{id}/`, { parameters: [idParam(m)], get: getOp(m, "super") });
}
