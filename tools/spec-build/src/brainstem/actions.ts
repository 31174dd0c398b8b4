/**
 * Custom per-record actions (`/{id}/<segment>/`): the table of their methods, and their operations.
 * @module
 */
import type { JsonObject } from "@sciportals/codegen/spec";
import { article, json, ref } from "./oas.js";
import { describe, errors, op, type Operation } from "./operations.js";
import type { ActionKey, Model } from "./types.js";

/** How one action is called and what it answers. */
export interface Action {
  /** The path segment after `{id}/`. */
  segment: string;
  method: "get" | "patch";
  opId: (m: Model) => string;
  summary: (m: Model) => string;
  /** Extra description, before the method note. */
  note?: string;
  /** Error statuses (default 400, 401, 403, 404, 500). */
  codes?: readonly number[];
  /** Request body: the log's entry schema, or its `<entry>Key` (which entry to remove). */
  body?: "entry" | "key";
  /** Answers the record's detail envelope (documented for the log entry actions). */
  detail?: true;
}

/**
 * Methods follow the per-model docs pages, not portals.md §1.1's "all POST" (see PROVENANCE.md):
 * invitation and request answers and group join/leave are GET, approval reviews and log entries
 * PATCH. To change a method, change one line here.
 */
export const ACTIONS: Record<ActionKey, Action> = {
  accept: {
    segment: "accept",
    method: "get",
    opId: (m) => `accept${m.name}`,
    summary: (m) => `Accept ${article(m.label)}`,
  },
  reject: {
    segment: "reject",
    method: "get",
    opId: (m) => `reject${m.name}`,
    summary: (m) => `Reject ${article(m.label)}`,
  },
  cancel: {
    segment: "cancel",
    method: "get",
    opId: (m) => `cancel${m.name}`,
    summary: (m) => `Cancel ${article(m.label)}`,
  },
  join: {
    segment: "join",
    method: "get",
    opId: (m) => `join${m.name}`,
    summary: () => "Ask to join a group",
    note: "Creates a group membership request.",
  },
  leave: { segment: "leave", method: "get", opId: (m) => `leave${m.name}`, summary: () => "Leave a group" },
  accept_approval: {
    segment: "accept",
    method: "patch",
    opId: (m) => `accept${m.name}`,
    summary: (m) => `Accept ${article(m.label)}`,
    codes: [401, 403, 404, 500],
  },
  reject_approval: {
    segment: "reject",
    method: "patch",
    opId: (m) => `reject${m.name}`,
    summary: (m) => `Reject ${article(m.label)}`,
    codes: [401, 403, 404, 500],
  },
  add_entry: {
    segment: "add_entry",
    method: "patch",
    opId: (m) => `add${m.name}Entry`,
    summary: (m) => `Add an entry to ${article(m.label)}`,
    body: "entry",
    detail: true,
  },
  change_entry: {
    segment: "change_entry",
    method: "patch",
    opId: (m) => `change${m.name}Entry`,
    summary: (m) => `Change an entry of ${article(m.label)}`,
    body: "entry",
    detail: true,
    note: "The entry is found by its date_time (start_date_time for interval entries); the other fields sent replace its values.",
  },
  remove_entry: {
    segment: "remove_entry",
    method: "patch",
    opId: (m) => `remove${m.name}Entry`,
    summary: (m) => `Remove an entry from ${article(m.label)}`,
    body: "key",
    detail: true,
    note: "The entry is found by its date_time (start_date_time for interval entries).",
  },
};

function requestBody(m: Model, a: Action): JsonObject | undefined {
  if (!a.body) return undefined;
  if (!m.entry)
    throw new Error(`${m.model}: action ${a.segment} sends an entry, but the model has no entry schema`);
  const schema = a.body === "entry" ? ref(m.entry) : ref(`${m.entry}Key`);
  return { required: true, content: { "application/json": { schema } } };
}

/** The operation of action `key` on model `m`. */
export function actionOp(m: Model, key: ActionKey): Operation {
  const a = ACTIONS[key];
  const method = a.method.toUpperCase();
  const extra: string[] = [];
  if (a.note) extra.push(a.note);
  // The docs' Python examples call GET actions with load() and PATCH ones with save().
  const call = a.method === "get" ? "load" : "save";
  extra.push(
    `The docs give ${method} for \`${a.segment}/\`` +
      ` (Python: \`client.${call}("${m.model}", id=..., options="${a.segment}")\`).`,
  );
  const ok = a.detail
    ? json(ref(`${m.name}Detail`), `The ${m.label}, with its entries.`)
    : json(ref("ActionResult"), "Done. The docs do not show the response body.");
  return op({
    operationId: a.opId(m),
    summary: a.summary(m),
    description: describe(m, extra, "action"),
    tags: [m.app],
    requestBody: requestBody(m, a),
    responses: { 200: ok, ...errors(a.codes ?? [400, 401, 403, 404, 500]) },
    "x-sciportals-provenance": m.provenance,
    // These GETs change state (accept, join…): a retry after a 5xx could act twice.
    ...(a.method === "get" ? { "x-sciportals-idempotent": false } : {}),
  });
}
