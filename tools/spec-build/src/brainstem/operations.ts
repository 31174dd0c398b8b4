/**
 * The operations of a model: list and get (private and public), create, update, replace and delete.
 * Custom actions are in `actions.ts`.
 * @module
 */
import type { Json, JsonObject } from "@sciportals/codegen/spec";
import { article, docUrl, json, ref, resp } from "./oas.js";
import { includeParamRef, listParams } from "./query.js";
import type { Model } from "./types.js";

/** An operation object, with its id known to the path table (which refuses duplicates). */
export type Operation = JsonObject & { operationId: string };

/** The keys an operation may have. `op` writes them in this order. */
export interface OperationFields {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  deprecated?: boolean;
  security?: Json[];
  parameters?: Json[];
  requestBody?: JsonObject;
  responses: JsonObject;
  "x-sciportals-provenance": "public" | "unverified" | "seed";
  "x-sciportals-pagination"?: JsonObject;
  "x-sciportals-idempotent"?: boolean;
}

// A fixed key order keeps the YAML readable; the mapped type makes a new key fail to compile until listed.
const OP_KEY_ORDER: { [K in keyof OperationFields]-?: true } = {
  operationId: true,
  summary: true,
  description: true,
  tags: true,
  deprecated: true,
  security: true,
  parameters: true,
  requestBody: true,
  responses: true,
  "x-sciportals-provenance": true,
  "x-sciportals-pagination": true,
  "x-sciportals-idempotent": true,
};

/** An operation object with its keys in the house order and unset ones left out. */
export function op(fields: OperationFields): Operation {
  const out: JsonObject = {};
  for (const key of Object.keys(OP_KEY_ORDER) as (keyof OperationFields)[]) {
    const value = fields[key];
    if (value !== undefined) out[key] = value;
  }
  return { ...out, operationId: fields.operationId };
}

const STATUS_RESPONSES: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  500: "ServerError",
};

/** The error responses for `codes`; public operations send no credentials, so they never list 401. */
export function errors(codes: readonly number[], isPublic = false): JsonObject {
  const out: JsonObject = {};
  for (const code of codes) {
    if (isPublic && code === 401) continue;
    out[code] = resp(STATUS_RESPONSES[code] ?? "ServerError");
  }
  return out;
}

const ALL_ERRORS = [400, 401, 403, 404, 500];

/** Which of a model's notes an operation's description takes. */
export type Scope = "read" | "create" | "update" | "replace" | "delete" | "action";

/** An operation's description: `extra`, the model's notes for `scope`, and the source it cites. */
export function describe(m: Model, extra: string[] = [], scope: Scope = "read"): string {
  const parts = [...extra];
  const { notes } = m;
  if (notes.all) parts.push(notes.all);
  if (scope === "create" && notes.create) parts.push(notes.create);
  if ((scope === "create" || scope === "update" || scope === "replace") && notes.write)
    parts.push(notes.write);
  if (scope === "delete" && notes.delete) parts.push(notes.delete);
  if (m.doc) parts.push(`Source: [${m.doc}](${docUrl(m.doc)}).`);
  else
    parts.push("Source: the model tables of the official Python and MATLAB clients (no documentation page).");
  return parts.join("\n\n");
}

/** The portal an operation's URL starts with (`/api/{portal}/…`). */
export type Portal = "private" | "public" | "super";

// How each portal's list and get describe who sees what.
const PORTAL_NOTE: Record<Portal, string> = {
  private: "Records the caller may see.",
  public: "Data made public by its owners; no credentials are sent.",
  super:
    "The `super` portal: the Python client (v2.0.0, `_VALID_PORTALS`) accepts it beside private and public; the docs name only those two. " +
    "Presumably the staff (superuser) view of every record; it needs a token, and the sandbox refuses it to users who are not staff (403). Unverified.",
};

// Operation id infix and summary word per portal: listSessions, listPublicSessions, listSuperSessions.
const PORTAL_NAME: Record<Portal, string> = { private: "", public: "Public", super: "Super" };

/** `list<Plural>`, `listPublic<Plural>` or `listSuper<Plural>`: one page, offset-paginated. */
export function listOp(m: Model, portal: Portal): Operation {
  const who = PORTAL_NAME[portal];
  return op({
    operationId: `list${who}${m.plural}`,
    summary: portal === "private" ? `List ${m.labelPlural}` : `List ${portal} ${m.labelPlural}`,
    description: describe(m, [
      `${PORTAL_NOTE[portal]} Returns \`{ ${m.listKey}: [...] }\`, 20 records per page by default (\`limit\` up to 100).`,
    ]),
    tags: [m.app],
    ...(portal === "public" ? { security: [] } : {}),
    parameters: listParams(m),
    responses: {
      200: json(ref(`${m.name}List`), `A page of ${m.labelPlural}.`),
      ...errors(ALL_ERRORS, portal === "public"),
    },
    "x-sciportals-provenance": portal === "super" ? "unverified" : m.provenance,
    // py `load_all` reads `count`; mat `load.m` follows `next`.
    "x-sciportals-pagination": {
      style: "offset",
      items: m.listKey,
      offset: "offset",
      size: "limit",
      total: "count",
    },
  });
}

/** `get<Model>`, `getPublic<Model>` or `getSuper<Model>`. */
export function getOp(m: Model, portal: Portal): Operation {
  const who = PORTAL_NAME[portal];
  return op({
    operationId: `get${who}${m.name}`,
    summary: portal === "private" ? `Get ${article(m.label)}` : `Get ${article(portal)} ${m.label}`,
    description: describe(m, [
      ...(portal === "super" ? [PORTAL_NOTE.super] : []),
      `Returns \`{ ${m.detailKey}: {...} }\`.`,
    ]),
    tags: [m.app],
    ...(portal === "public" ? { security: [] } : {}),
    parameters: [includeParamRef(m)],
    responses: {
      200: json(ref(`${m.name}Detail`), `The ${m.label}.`),
      // 400: dynamic-rest refuses an unknown `include[]` name on a detail GET as on a list.
      ...errors(ALL_ERRORS, portal === "public"),
    },
    "x-sciportals-provenance": portal === "super" ? "unverified" : m.provenance,
  });
}

// Approval-gated models answer a write with the proposal; the others with the record.
function writeResponse(m: Model, status: 200 | 201): JsonObject {
  const schema = m.approval ? ref(`${m.name}WriteResult`) : ref(`${m.name}Detail`);
  const text = m.approval
    ? `The proposal (or the ${m.label}).`
    : status === 201
      ? `The created ${m.label}.`
      : `The updated ${m.label}.`;
  return { [status]: json(schema, text) };
}

const jsonBody = (schemaName: string): JsonObject => ({
  required: true,
  content: { "application/json": { schema: ref(schemaName) } },
});

/** `create<Model>` (POST, 201). */
export function createOp(m: Model): Operation {
  return op({
    operationId: `create${m.name}`,
    summary: `Create ${article(m.label)}`,
    description: describe(
      m,
      [
        m.approval
          ? "Submissions go through an approval process."
          : `Returns 201 with \`{ ${m.detailKey}: {...} }\`.`,
      ],
      "create",
    ),
    tags: [m.app],
    requestBody: jsonBody(`${m.name}Input`),
    responses: { ...writeResponse(m, 201), ...errors(ALL_ERRORS) },
    "x-sciportals-provenance": m.provenance,
  });
}

/** `update<Model>` (PATCH: only the fields sent change). */
export function updateOp(m: Model): Operation {
  return op({
    operationId: `update${m.name}`,
    summary: `Update ${article(m.label)} (partial)`,
    description: describe(
      m,
      [
        m.approval
          ? "Changes go through an approval process."
          : "PATCH: only the fields sent change. This is what the Python client uses.",
      ],
      "update",
    ),
    tags: [m.app],
    requestBody: jsonBody(`${m.name}Patch`),
    responses: { ...writeResponse(m, 200), ...errors(ALL_ERRORS) },
    "x-sciportals-provenance": m.provenance,
  });
}

/** `replace<Model>` (PUT, with the create body: the per-model pages document only PATCH). */
export function replaceOp(m: Model): Operation {
  return op({
    operationId: `replace${m.name}`,
    summary: `Replace ${article(m.label)}`,
    description: describe(
      m,
      [
        "PUT: complete replacement (docs/api.md lists PUT for every model; the MATLAB client's save() uses PUT by default). The per-model pages document only PATCH.",
        ...(m.approval ? ["Changes go through an approval process."] : []),
      ],
      "replace",
    ),
    tags: [m.app],
    requestBody: jsonBody(`${m.name}Input`),
    responses: { ...writeResponse(m, 200), ...errors(ALL_ERRORS) },
    "x-sciportals-provenance": m.provenance,
  });
}

/** `delete<Model>` (204, no body). */
export function deleteOp(m: Model): Operation {
  return op({
    operationId: `delete${m.name}`,
    summary: `Delete ${article(m.label)}`,
    description: describe(m, ["Returns 204 with no body."], "delete"),
    tags: [m.app],
    responses: { 204: { description: `The ${m.label} was deleted.` }, ...errors(ALL_ERRORS) },
    "x-sciportals-provenance": m.provenance,
  });
}
