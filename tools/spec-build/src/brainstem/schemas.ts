/**
 * Fields to JSON schemas, and the component schemas of each model: the record, its write bodies,
 * its list and detail envelopes and, for approval-gated models, the write result.
 * @module
 */
import type { JsonObject } from "@sciportals/codegen/spec";
import { article, ref } from "./oas.js";
import type { Field, FieldType, Model } from "./types.js";

// Scalars the docs show as null when unset; lists and maps come back empty instead.
const NULLABLE_READ = new Set<FieldType>([
  "str",
  "text",
  "int",
  "date",
  "datetime",
  "enum",
  "fk",
  "ifk",
  "extra",
]);
const NULLABLE_WRITE = new Set<FieldType>(["int", "date", "datetime", "fk", "ifk", "extra"]);

/** Field types that hold ids of other records (and can be named in `include`). */
export const RELATIONS = new Set<FieldType>(["fk", "fk[]", "ifk", "ifk[]", "anyid[]"]);

/** Read schemas describe what comes back; write schemas what a client sends. */
export type Mode = "read" | "write";

/**
 * `schema` or null. A plain typed schema gets `null` added to its `type` (and enum); a `$ref` or
 * `anyOf` becomes an `anyOf` with a null branch, keeping its description and readOnly outside.
 */
export function nullable(schema: JsonObject): JsonObject {
  if (typeof schema.type === "string" && !schema.$ref) {
    const out: JsonObject = { ...schema, type: [schema.type, "null"] };
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    return out;
  }
  const { description, readOnly, ...rest } = schema;
  const branches = Array.isArray(rest.anyOf) ? rest.anyOf : [rest];
  const out: JsonObject = { anyOf: [...branches, { type: "null" }] };
  if (description) out.description = description;
  if (readOnly) out.readOnly = readOnly;
  return out;
}

// A relation comes back as an id, or as the full record when it is named in `include`.
const relRead = (idSchema: string): JsonObject => ({ anyOf: [ref(idSchema), ref("ExpandedRecord")] });

const LIST_ID: Partial<Record<FieldType, string>> = {
  "fk[]": "Uuid",
  "ifk[]": "IntegerId",
  "anyid[]": "AnyId",
};

function baseFieldSchema(f: Field, mode: Mode): JsonObject {
  const read = mode === "read";
  switch (f.type) {
    case "str":
    case "text":
      return f.max ? { type: "string", maxLength: f.max } : { type: "string" };
    case "enum":
      return { type: "string", enum: [...(f.enum ?? [])] };
    case "int":
      return f.min === undefined ? { type: "integer" } : { type: "integer", minimum: f.min };
    case "bool":
      return { type: "boolean" };
    case "date":
      return { type: "string", format: "date" };
    case "datetime":
      return { type: "string", format: "date-time" };
    case "json":
      return {
        description:
          "Free-form JSON; its structure depends on the record's type (see the BrainSTEM schema docs).",
      };
    case "extra":
      return ref("ExtraFields");
    case "tags":
      return { type: "array", items: { type: "string" } };
    case "links":
      return ref("Links");
    case "fk":
      return read ? relRead("Uuid") : ref("Uuid");
    case "ifk":
      return read ? relRead("IntegerId") : ref("IntegerId");
    case "fk[]":
    case "ifk[]":
    case "anyid[]": {
      const id = LIST_ID[f.type] ?? "Uuid";
      const s: JsonObject = { type: "array", items: read ? relRead(id) : ref(id) };
      if (f.min1 && !read) s.minItems = 1;
      return s;
    }
    case "projectPerms":
      return ref(read ? "ProjectUserPermissions" : "ProjectUserPermissionChanges");
    case "groupPerms":
      return ref(read ? "ProjectGroupPermissions" : "ProjectGroupPermissionChanges");
    case "groupMembers":
      return ref(read ? "GroupMembers" : "GroupMemberChanges");
    case "downloadLinks":
      return { type: "array", items: ref("DownloadLink") };
    case "ownedGroups":
      return { type: "array", items: ref("OwnedGroup") };
    case "procedureLogEntries":
      return { type: "array", items: ref("ProcedureLogEntry") };
    case "subjectLogEntries":
      return { type: "array", items: ref("SubjectLogEntry") };
  }
}

/** The schema of one field in a read or write schema, with its notes, readOnly and nullability. */
export function fieldSchema(f: Field, mode: Mode): JsonObject {
  let s = baseFieldSchema(f, mode);
  const notes: string[] = [];
  if (f.unique) notes.push("Unique.");
  if (f.createonly) notes.push("Writable on create only.");
  if (f.type === "anyid[]")
    notes.push(
      "The docs call these user UUIDs, while users have integer ids elsewhere; both are accepted here.",
    );
  if (notes.length) {
    const own = typeof s.description === "string" ? [s.description] : [];
    s = { ...s, description: [...own, ...notes].join(" ") };
  }
  if (mode === "read" && f.ro) s = { ...s, readOnly: true };
  const isNullable = !f.req && (mode === "read" ? NULLABLE_READ : NULLABLE_WRITE).has(f.type);
  return isNullable ? nullable(s) : s;
}

// What an approval record adds to the proposed fields (seen in the docs' examples only).
function approvalExtras(): JsonObject {
  return {
    instance_id: nullable({
      ...ref("Uuid"),
      description: "Id of the record this approval adds or changes; null until an addition is accepted.",
    }),
    action: { type: "string", description: "What the approval does; the docs show `Add` and `Change`." },
    reviewer: nullable({ ...ref("IntegerId"), description: "User id of the reviewer, once reviewed." }),
    status: {
      type: "string",
      description: "Review state; the docs show `Pending`, `Accepted` and `Rejected`.",
    },
  };
}

/** `<Model>`: the record as the server returns it. */
export function recordSchema(m: Model): JsonObject {
  const properties: JsonObject = {
    id: { ...ref(m.idType === "integer" ? "IntegerId" : "Uuid"), readOnly: true },
  };
  for (const f of m.fields) properties[f.name] = fieldSchema(f, "read");
  if (m.kind === "approval") Object.assign(properties, approvalExtras());
  const desc = [`A BrainSTEM ${m.label} (\`${m.app}/${m.model}\`).`];
  if (m.kind !== "approval" && m.fields.some((f) => RELATIONS.has(f.type)))
    desc.push("Relations hold ids, or the full related record when named in `include`.");
  if (m.guess) desc.push(`Field set partly guessed: ${m.guess}.`);
  return { type: "object", description: desc.join(" "), required: ["id"], properties };
}

/**
 * `<Model>Input` (POST and PUT: the writable fields, the documented ones required) or
 * `<Model>Patch` (PATCH: the same fields, all optional, without the create-only ones).
 */
export function writeSchema(m: Model, mode: "input" | "patch"): JsonObject {
  const properties: JsonObject = {};
  const required: string[] = [];
  for (const f of m.fields) {
    if (f.ro) continue;
    if (mode === "patch" && f.createonly) continue;
    properties[f.name] = fieldSchema(f, "write");
    if (mode === "input" && f.req) required.push(f.name);
  }
  const s: JsonObject = {
    type: "object",
    description:
      mode === "input"
        ? `The writable fields of ${article(m.label)}, for create (POST) and full replacement (PUT).`
        : `The fields of ${article(m.label)} to change (PATCH); omitted fields keep their value.`,
  };
  if (required.length) s.required = required;
  s.properties = properties;
  return s;
}

/** `<Model>List`: a page under the model's documented list key. */
export function listSchema(m: Model): JsonObject {
  return {
    type: "object",
    description: `A page of ${m.labelPlural}, under the key \`${m.listKey}\`.`,
    required: [m.listKey],
    properties: {
      [m.listKey]: { type: "array", items: ref(m.name) },
      count: { type: "integer", minimum: 0, description: "Total number of matching records." },
      next: { type: ["string", "null"], description: "URL of the next page, if any." },
      previous: { type: ["string", "null"], description: "URL of the previous page, if any." },
      meta: ref("ListMeta"),
    },
  };
}

/** `<Model>Detail`: one record under the model's documented detail key. */
export function detailSchema(m: Model): JsonObject {
  return {
    type: "object",
    description: `One ${m.label}, under the key \`${m.detailKey}\`.`,
    required: [m.detailKey],
    properties: { [m.detailKey]: ref(m.name) },
  };
}

/** `<Model>WriteResult` of an approval-gated model: the proposal, or (never shown) the record itself. */
export function writeResultSchema(m: Model, approval: { detailKey: string }): JsonObject {
  return {
    type: "object",
    description:
      `Create and change requests for ${m.labelPlural} go through review: the docs show the proposal ` +
      `returned under \`${approval.detailKey}\`. A change applied directly (administrators) would come back under \`${m.detailKey}\`.`,
    minProperties: 1,
    properties: {
      [approval.detailKey]: ref(`${m.name}Approval`),
      [m.detailKey]: ref(m.name),
    },
  };
}
