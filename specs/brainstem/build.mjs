#!/usr/bin/env node
// Builds specs/brainstem/openapi.yaml from the model table in models.mjs.
// Deterministic: no clock, no randomness, insertion-ordered keys; run it twice and the
// output is byte-identical. Usage: node specs/brainstem/build.mjs
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { APPS, MODELS, DOCS_COMMIT, DOCS_REPO } from "./models.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, "openapi.yaml");

const UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
const STRING_OPS = ["icontains", "iexact", "istartswith", "iendswith", "startswith", "endswith"];
const RANGE_OPS = ["gt", "gte", "lt", "lte"];
const PRIVATE_SECURITY = [{ PersonalAccessToken: [] }, { JwtAccessToken: [] }];

const ref = (name) => ({ $ref: `#/components/schemas/${name}` });
const resp = (name) => ({ $ref: `#/components/responses/${name}` });
const param = (name) => ({ $ref: `#/components/parameters/${name}` });
const json = (schema, description) => ({
  description,
  content: { "application/json": { schema } },
});
const article = (label) => (/^[aeiou]/i.test(label) ? `an ${label}` : `a ${label}`);
const docUrl = (path) => `https://github.com/${DOCS_REPO}/blob/${DOCS_COMMIT}/${path}`;

// ------------------------------------------------------------------ model table -> fields

const FIELD_TYPES = new Set([
  "str",
  "text",
  "int",
  "bool",
  "date",
  "datetime",
  "json",
  "extra",
  "tags",
  "links",
  "enum",
  "fk",
  "fk[]",
  "ifk",
  "ifk[]",
  "anyid[]",
  "projectPerms",
  "groupPerms",
  "groupMembers",
  "downloadLinks",
  "ownedGroups",
  "procedureLogEntries",
  "subjectLogEntries",
]);
// Scalars the docs show as null when unset; lists and maps come back empty instead.
const NULLABLE_READ = new Set(["str", "text", "int", "date", "datetime", "enum", "fk", "ifk", "extra"]);
const NULLABLE_WRITE = new Set(["int", "date", "datetime", "fk", "ifk", "extra"]);
const RELATIONS = new Set(["fk", "fk[]", "ifk", "ifk[]", "anyid[]"]);

function parseField(row, model) {
  const [name, rawType, flags = ""] = row;
  const f = { name, type: rawType, req: false, ro: false, createonly: false, unique: false, min1: false };
  if (rawType.startsWith("enum:")) {
    f.type = "enum";
    f.enum = rawType.slice(5).split("|");
  }
  if (!FIELD_TYPES.has(f.type)) throw new Error(`${model}.${name}: unknown type ${rawType}`);
  for (const tok of flags.split(/\s+/).filter(Boolean)) {
    if (tok === "req") f.req = true;
    else if (tok === "ro") f.ro = true;
    else if (tok === "createonly") f.createonly = true;
    else if (tok === "unique") f.unique = true;
    else if (tok === "min1") f.min1 = true;
    else if (tok.startsWith("max=")) f.max = Number(tok.slice(4));
    else if (tok.startsWith("min=")) f.min = Number(tok.slice(4));
    else throw new Error(`${model}.${name}: unknown flag ${tok}`);
  }
  return f;
}

function nullable(schema) {
  if (typeof schema.type === "string" && !schema.$ref) {
    const out = { ...schema, type: [schema.type, "null"] };
    if (out.enum) out.enum = [...out.enum, null];
    return out;
  }
  const { description, readOnly, ...rest } = schema;
  const branches = rest.anyOf ? rest.anyOf : [rest];
  const out = { anyOf: [...branches, { type: "null" }] };
  if (description) out.description = description;
  if (readOnly) out.readOnly = readOnly;
  return out;
}

const relRead = (idSchema) => ({ anyOf: [ref(idSchema), ref("ExpandedRecord")] });

function baseFieldSchema(f, mode) {
  const read = mode === "read";
  switch (f.type) {
    case "str":
    case "text":
      return f.max ? { type: "string", maxLength: f.max } : { type: "string" };
    case "enum":
      return { type: "string", enum: [...f.enum] };
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
      const id = f.type === "fk[]" ? "Uuid" : f.type === "ifk[]" ? "IntegerId" : "AnyId";
      const s = { type: "array", items: read ? relRead(id) : ref(id) };
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
    default:
      throw new Error(`unhandled type ${f.type}`);
  }
}

function fieldSchema(f, mode) {
  let s = baseFieldSchema(f, mode);
  const notes = [];
  if (f.unique) notes.push("Unique.");
  if (f.createonly) notes.push("Writable on create only.");
  if (f.type === "anyid[]")
    notes.push(
      "The docs call these user UUIDs, while users have integer ids elsewhere; both are accepted here.",
    );
  if (notes.length) s = { ...s, description: [s.description, ...notes].filter(Boolean).join(" ") };
  if (mode === "read" && f.ro) s = { ...s, readOnly: true };
  const isNullable = !f.req && (mode === "read" ? NULLABLE_READ : NULLABLE_WRITE).has(f.type);
  return isNullable ? nullable(s) : s;
}

// ------------------------------------------------------------------ models (incl. approvals)

const APPROVAL_EXTRAS = {
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

function expandModels() {
  const out = [];
  for (const raw of MODELS) {
    const m = {
      kind: "crud",
      idType: "uuid",
      public: true,
      provenance: "public",
      actions: [],
      ...raw,
      fields: raw.fields.map((row) => parseField(row, raw.model)),
    };
    m.doc = docPath(m);
    out.push(m);
    if (m.approval) {
      out.push({
        app: m.app,
        model: `${m.model}approval`,
        name: `${m.name}Approval`,
        plural: `${m.name}Approvals`,
        label: `${m.label} approval`,
        labelPlural: `${m.label} approvals`,
        listKey: m.approval.listKey,
        detailKey: m.approval.detailKey,
        kind: "approval",
        idType: "uuid",
        public: false,
        provenance: m.provenance,
        actions: ["accept_approval", "reject_approval"],
        doc: m.doc,
        base: m,
        notes: { all: `A proposed addition or change of ${article(m.label)}, waiting for review.` },
        fields: m.fields.filter((f) => !f.ro).map((f) => ({ ...f, req: false, ro: true })),
      });
    }
  }
  return out;
}

const DOC_FILE_NAMES = {
  projectmembershipinvitation: "project_membership_invitation",
  projectgroupmembershipinvitation: "project_group_membership_invitation",
  groupmembershipinvitation: "group_membership_invitation",
  groupmembershiprequest: "group_membership_request",
};
function docPath(m) {
  if (m.model === "sessiondatastorage") return "docs/api/stem/session.md";
  if (m.model === "protocol") return null;
  return `docs/api/${m.app}/${DOC_FILE_NAMES[m.model] ?? m.model}.md`;
}

// ------------------------------------------------------------------ per-model schemas

function idSchema(m) {
  return m.idType === "integer"
    ? { ...ref("IntegerId"), readOnly: true }
    : { ...ref("Uuid"), readOnly: true };
}

function recordSchema(m) {
  const properties = { id: idSchema(m) };
  for (const f of m.fields) properties[f.name] = fieldSchema(f, "read");
  if (m.kind === "approval") Object.assign(properties, structuredClone(APPROVAL_EXTRAS));
  const desc = [`A BrainSTEM ${m.label} (\`${m.app}/${m.model}\`).`];
  if (m.kind !== "approval" && m.fields.some((f) => RELATIONS.has(f.type)))
    desc.push("Relations hold ids, or the full related record when named in `include`.");
  if (m.guess) desc.push(`Field set partly guessed: ${m.guess}.`);
  return { type: "object", description: desc.join(" "), required: ["id"], properties };
}

function writeSchema(m, mode /* input | patch */) {
  const properties = {};
  const required = [];
  for (const f of m.fields) {
    if (f.ro) continue;
    if (mode === "patch" && f.createonly) continue;
    properties[f.name] = fieldSchema(f, "write");
    if (mode === "input" && f.req) required.push(f.name);
  }
  const s = {
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

function listSchema(m) {
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

function detailSchema(m) {
  return {
    type: "object",
    description: `One ${m.label}, under the key \`${m.detailKey}\`.`,
    required: [m.detailKey],
    properties: { [m.detailKey]: ref(m.name) },
  };
}

function writeResultSchema(m) {
  return {
    type: "object",
    description:
      `Create and change requests for ${m.labelPlural} go through review: the docs show the proposal ` +
      `returned under \`${m.approval.detailKey}\`. A change applied directly (administrators) would come back under \`${m.detailKey}\`.`,
    minProperties: 1,
    properties: {
      [m.approval.detailKey]: ref(`${m.name}Approval`),
      [m.detailKey]: ref(m.name),
    },
  };
}

function filterSchema(m) {
  const props = {};
  const str = (extra = {}) => ({ type: "string", ...extra });
  props.id = m.idType === "integer" ? str({ pattern: "^[0-9]+$" }) : str({ format: "uuid" });
  const fields = [...m.fields];
  if (m.kind === "approval")
    fields.push(
      { name: "status", type: "str" },
      { name: "action", type: "str" },
      { name: "instance_id", type: "fk" },
    );
  for (const f of fields) {
    switch (f.type) {
      case "str":
      case "text":
        props[f.name] = str();
        for (const op of STRING_OPS) props[`${f.name}.${op}`] = str();
        break;
      case "enum":
        props[f.name] = str({ enum: [...f.enum] });
        break;
      case "int":
        props[f.name] = str({ pattern: "^-?[0-9]+$" });
        for (const op of RANGE_OPS) props[`${f.name}.${op}`] = str({ pattern: "^-?[0-9]+$" });
        break;
      case "date":
      case "datetime": {
        const format = f.type === "date" ? "date" : "date-time";
        props[f.name] = str({ format });
        for (const op of RANGE_OPS) props[`${f.name}.${op}`] = str({ format });
        break;
      }
      case "bool":
        props[f.name] = str({ enum: ["true", "false"] });
        break;
      case "fk":
      case "fk[]":
        props[f.name] = str({ format: "uuid" });
        props[`${f.name}.id`] = str({ format: "uuid" });
        break;
      case "ifk":
      case "ifk[]":
        props[f.name] = str({ pattern: "^[0-9]+$" });
        props[`${f.name}.id`] = str({ pattern: "^[0-9]+$" });
        break;
      case "anyid[]":
        props[f.name] = str();
        props[`${f.name}.id`] = str();
        break;
      case "tags":
        props[f.name] = str();
        break;
      default:
        break; // json, maps, links: not filterable
    }
  }
  return {
    type: "object",
    description:
      `Filters for ${m.labelPlural}, sent as \`filter{field}=value\` or \`filter{field.op}=value\` ` +
      "(ops: icontains, iexact, istartswith, iendswith, startswith, endswith on text; gt, gte, lt, lte on numbers and dates). " +
      "Relations filter by id (`projects.id`). Several filters combine with AND. Only the keys listed here are accepted, " +
      "so a misspelt field fails to compile; a deeper relation filter the spec does not list can go through the path methods.",
    properties: props,
    additionalProperties: false,
  };
}

const SORTABLE = new Set(["str", "text", "enum", "int", "bool", "date", "datetime", "fk", "ifk"]);
function sortSchema(m) {
  const names = ["id", ...m.fields.filter((f) => SORTABLE.has(f.type)).map((f) => f.name)];
  if (m.kind === "approval") names.push("status", "action");
  return {
    type: "string",
    description: `A field to sort ${m.labelPlural} by; prefix \`-\` for descending order.`,
    enum: names.flatMap((n) => [n, `-${n}`]),
  };
}

function includeSchema(m) {
  const rels = m.fields.filter((f) => RELATIONS.has(f.type)).map((f) => f.name);
  if (!rels.length) return null;
  return {
    type: "string",
    description: `A relation of ${article(m.label)} to return as full records instead of ids. The official clients send \`rel.*\`.`,
    enum: rels.flatMap((n) => [n, `${n}.*`]),
  };
}

// ------------------------------------------------------------------ operations

const ERR_PRIVATE = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  500: "ServerError",
};
function errors(codes, isPublic) {
  const out = {};
  for (const c of codes) {
    if (isPublic && c === 401) continue;
    out[c] = resp(ERR_PRIVATE[c]);
  }
  return out;
}

// scope: read | create | update | replace | delete | action
function describe(m, extra = [], scope = "read") {
  const parts = [...extra];
  const notes = m.notes ?? {};
  for (const k of Object.keys(notes))
    if (!["all", "create", "write", "delete"].includes(k)) throw new Error(`${m.model}: notes.${k}?`);
  if (notes.all) parts.push(notes.all);
  if (scope === "create" && notes.create) parts.push(notes.create);
  if (["create", "update", "replace"].includes(scope) && notes.write) parts.push(notes.write);
  if (scope === "delete" && notes.delete) parts.push(notes.delete);
  if (m.doc) parts.push(`Source: [${m.doc}](${docUrl(m.doc)}).`);
  else
    parts.push("Source: the model tables of the official Python and MATLAB clients (no documentation page).");
  return parts.join("\n\n");
}

// Query parameters live in components/parameters: private and public operations share them.
function modelQueryParams(m) {
  const include = includeSchema(m);
  const out = {
    [`${m.name}FilterQuery`]: {
      name: "filter",
      in: "query",
      description: `Filters for ${m.labelPlural}, serialized as \`filter{key}=value\` pairs.`,
      schema: ref(`${m.name}Filter`),
      "x-sciportals-serialize": "braces",
    },
    [`${m.name}SortQuery`]: {
      name: "sort",
      in: "query",
      description: "Sort fields, serialized as repeated `sort[]=`; prefix `-` for descending.",
      schema: { type: "array", items: ref(`${m.name}SortField`) },
      "x-sciportals-serialize": "brackets",
    },
  };
  if (include) {
    out[`${m.name}IncludeQuery`] = {
      name: "include",
      in: "query",
      description: "Relations to expand into full records, serialized as repeated `include[]=`.",
      schema: { type: "array", items: ref(`${m.name}Include`) },
      "x-sciportals-serialize": "brackets",
    };
  }
  return out;
}

const includeParamRef = (m) => param(includeSchema(m) ? `${m.name}IncludeQuery` : "IncludeQuery");

function listParams(m) {
  return [
    param(`${m.name}FilterQuery`),
    param(`${m.name}SortQuery`),
    includeParamRef(m),
    param("Limit"),
    param("Offset"),
  ];
}

function op(fields) {
  // fixed key order for readable output
  const order = [
    "operationId",
    "summary",
    "description",
    "tags",
    "deprecated",
    "security",
    "parameters",
    "requestBody",
    "responses",
    "x-sciportals-provenance",
    "x-sciportals-pagination",
    "x-sciportals-idempotent",
  ];
  const out = {};
  for (const k of order) if (fields[k] !== undefined) out[k] = fields[k];
  for (const k of Object.keys(fields))
    if (fields[k] !== undefined && !(k in out)) throw new Error(`op key ${k} not ordered`);
  return out;
}

function listOp(m, isPublic) {
  const who = isPublic ? "Public" : "";
  return op({
    operationId: `list${who}${m.plural}`,
    summary: isPublic ? `List public ${m.labelPlural}` : `List ${m.labelPlural}`,
    description: describe(m, [
      isPublic
        ? `Data made public by its owners; no credentials are sent. Returns \`{ ${m.listKey}: [...] }\`, 20 records per page by default (\`limit\` up to 100).`
        : `Records the caller may see. Returns \`{ ${m.listKey}: [...] }\`, 20 records per page by default (\`limit\` up to 100).`,
    ]),
    tags: [m.app],
    security: isPublic ? [] : undefined,
    parameters: listParams(m),
    responses: {
      200: json(ref(`${m.name}List`), `A page of ${m.labelPlural}.`),
      ...errors([400, 401, 403, 404, 500], isPublic),
    },
    "x-sciportals-provenance": m.provenance,
    "x-sciportals-pagination": {
      style: "offset",
      items: m.listKey,
      offset: "offset",
      size: "limit",
      total: "count",
    },
  });
}

function getOp(m, isPublic) {
  const who = isPublic ? "Public" : "";
  return op({
    operationId: `get${who}${m.name}`,
    summary: isPublic ? `Get a public ${m.label}` : `Get ${article(m.label)}`,
    description: describe(m, [`Returns \`{ ${m.detailKey}: {...} }\`.`]),
    tags: [m.app],
    security: isPublic ? [] : undefined,
    parameters: [includeParamRef(m)],
    responses: {
      200: json(ref(`${m.name}Detail`), `The ${m.label}.`),
      // 400: dynamic-rest refuses an unknown `include[]` name on a detail GET as on a list.
      ...errors([400, 401, 403, 404, 500], isPublic),
    },
    "x-sciportals-provenance": m.provenance,
  });
}

function writeResponse(m, status) {
  const schema = m.approval ? ref(`${m.name}WriteResult`) : ref(`${m.name}Detail`);
  const text = m.approval
    ? `The proposal (or the ${m.label}).`
    : status === 201
      ? `The created ${m.label}.`
      : `The updated ${m.label}.`;
  return { [status]: json(schema, text) };
}

function createOp(m) {
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
    requestBody: { required: true, content: { "application/json": { schema: ref(`${m.name}Input`) } } },
    responses: { ...writeResponse(m, 201), ...errors([400, 401, 403, 404, 500]) },
    "x-sciportals-provenance": m.provenance,
  });
}

function updateOp(m) {
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
    requestBody: { required: true, content: { "application/json": { schema: ref(`${m.name}Patch`) } } },
    responses: { ...writeResponse(m, 200), ...errors([400, 401, 403, 404, 500]) },
    "x-sciportals-provenance": m.provenance,
  });
}

function replaceOp(m) {
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
    requestBody: { required: true, content: { "application/json": { schema: ref(`${m.name}Input`) } } },
    responses: { ...writeResponse(m, 200), ...errors([400, 401, 403, 404, 500]) },
    "x-sciportals-provenance": m.provenance,
  });
}

function deleteOp(m) {
  return op({
    operationId: `delete${m.name}`,
    summary: `Delete ${article(m.label)}`,
    description: describe(m, ["Returns 204 with no body."], "delete"),
    tags: [m.app],
    responses: { 204: { description: `The ${m.label} was deleted.` }, ...errors([400, 401, 403, 404, 500]) },
    "x-sciportals-provenance": m.provenance,
  });
}

// Custom actions. Methods follow the per-model docs pages (see PROVENANCE.md): invitation
// and request answers and group join/leave are GET, approval reviews and log entries PATCH.
const ACTIONS = {
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

function actionOp(m, key) {
  const a = ACTIONS[key];
  const method = a.method.toUpperCase();
  const extra = [];
  if (a.note) extra.push(a.note);
  extra.push(
    `The docs give ${method} for \`${a.segment}/\`` +
      (a.method === "get"
        ? ` (Python: \`client.load("${m.model}", id=..., options="${a.segment}")\`).`
        : ` (Python: \`client.save("${m.model}", id=..., options="${a.segment}")\`).`),
  );
  let requestBody;
  if (a.body) {
    const schema = a.body === "entry" ? ref(m.entry) : ref(`${m.entry}Key`);
    requestBody = { required: true, content: { "application/json": { schema } } };
  }
  const ok = a.detail
    ? json(ref(`${m.name}Detail`), `The ${m.label}, with its entries.`)
    : json(ref("ActionResult"), "Done. The docs do not show the response body.");
  return op({
    operationId: a.opId(m),
    summary: a.summary(m),
    description: describe(m, extra, "action"),
    tags: [m.app],
    requestBody,
    responses: { 200: ok, ...errors(a.codes ?? [400, 401, 403, 404, 500]) },
    "x-sciportals-provenance": m.provenance,
    // These GETs change state (accept, join…): a retry after a 5xx could act twice.
    ...(a.method === "get" ? { "x-sciportals-idempotent": false } : {}),
  });
}

// ------------------------------------------------------------------ shared components

function sharedSchemas() {
  return {
    Uuid: {
      type: "string",
      format: "uuid",
      pattern: UUID_PATTERN,
      description: "A record id (UUID, canonical 8-4-4-4-12 hex form).",
    },
    IntegerId: { type: "integer", minimum: 1, description: "An integer id (users and groups)." },
    AnyId: {
      anyOf: [ref("Uuid"), ref("IntegerId")],
      description: "An id documented inconsistently as a UUID or an integer.",
    },
    ExpandedRecord: {
      type: "object",
      additionalProperties: true,
      description: "A related record returned in full because its relation was named in `include`.",
    },
    ExtraFields: {
      type: "object",
      description:
        "Additional key/value metadata. Keys start with a letter and hold letters, digits and underscores; values are strings or numbers.",
      additionalProperties: { type: ["string", "number"] },
    },
    Links: {
      type: "object",
      readOnly: true,
      description: 'Related endpoint suffixes, e.g. `{ sessions: "sessions/" }`.',
      additionalProperties: { type: "string" },
    },
    ListMeta: {
      type: "object",
      additionalProperties: true,
      description:
        "Pagination and filter metadata (the docs mention it for public lists without detailing it).",
    },
    DownloadLink: {
      type: "object",
      required: ["repository", "url"],
      properties: {
        repository: {
          type: "string",
          enum: ["CRCNS", "DANDI", "Figshare", "GitHub", "Globus", "Mendeley", "Zenodo", "Webshare", "Other"],
        },
        url: {
          type: "string",
          pattern: "^(https?|ftp)://",
          description: "Must start with http://, https:// or ftp://.",
        },
      },
    },
    ProjectPermission: {
      type: "object",
      properties: {
        can_change: { type: "boolean" },
        is_manager: { type: "boolean" },
        is_owner: { type: "boolean" },
      },
    },
    ProjectPermissionChange: {
      type: "object",
      description:
        "Missing permissions default to false; `remove: true` removes the member. New users are invited.",
      properties: {
        can_change: { type: "boolean" },
        is_manager: { type: "boolean" },
        is_owner: { type: "boolean" },
        remove: { type: "boolean" },
      },
    },
    ProjectUserPermissions: {
      type: "object",
      description: "Project members, keyed by user email.",
      additionalProperties: ref("ProjectPermission"),
    },
    ProjectUserPermissionChanges: {
      type: "object",
      description: "Members to add, change or remove, keyed by user email.",
      additionalProperties: ref("ProjectPermissionChange"),
    },
    ProjectGroupPermissions: {
      type: "object",
      description: "Groups with access to the project, keyed by group name.",
      additionalProperties: ref("ProjectPermission"),
    },
    ProjectGroupPermissionChanges: {
      type: "object",
      description: "Groups to add, change or remove, keyed by group name.",
      additionalProperties: ref("ProjectPermissionChange"),
    },
    GroupMember: {
      type: "object",
      properties: { is_manager: { type: "boolean" }, is_owner: { type: "boolean" } },
    },
    GroupMemberChange: {
      type: "object",
      description:
        "Missing permissions default to false; `remove: true` removes the member. New users are invited.",
      properties: {
        is_manager: { type: "boolean" },
        is_owner: { type: "boolean" },
        remove: { type: "boolean" },
      },
    },
    GroupMembers: {
      type: "object",
      description: "Group members, keyed by user email.",
      additionalProperties: ref("GroupMember"),
    },
    GroupMemberChanges: {
      type: "object",
      description: "Members to add, change or remove, keyed by user email.",
      additionalProperties: ref("GroupMemberChange"),
    },
    OwnedGroup: {
      type: "object",
      required: ["id", "name"],
      properties: { id: ref("IntegerId"), name: { type: "string" } },
    },
    ProcedureLogEntry: {
      type: "object",
      required: ["date_time"],
      properties: {
        date_time: { type: "string", format: "date-time" },
        notes: { type: ["string", "null"] },
        details: {
          type: ["object", "null"],
          additionalProperties: true,
          description: "Type-specific values (see the procedure log schemas).",
        },
      },
    },
    ProcedureLogEntryKey: {
      type: "object",
      required: ["date_time"],
      description: "Identifies the entry to remove.",
      properties: { date_time: { type: "string", format: "date-time" } },
    },
    SubjectLogEntry: {
      description:
        "Instantaneous entries have `date_time`; interval entries (Housing, FoodDeprivation, WaterDeprivation, Habituation, Handling, TrainingSession) have `start_date_time` and `end_date_time`.",
      anyOf: [ref("SubjectLogInstantEntry"), ref("SubjectLogIntervalEntry")],
    },
    SubjectLogInstantEntry: {
      type: "object",
      required: ["date_time"],
      properties: {
        date_time: { type: "string", format: "date-time" },
        notes: { type: ["string", "null"] },
        details: { type: ["object", "null"], additionalProperties: true },
      },
    },
    SubjectLogIntervalEntry: {
      type: "object",
      required: ["start_date_time", "end_date_time"],
      properties: {
        start_date_time: { type: "string", format: "date-time" },
        end_date_time: { type: "string", format: "date-time" },
        notes: { type: ["string", "null"] },
        details: { type: ["object", "null"], additionalProperties: true },
      },
    },
    SubjectLogEntryKey: {
      type: "object",
      minProperties: 1,
      description:
        "Identifies the entry to remove: `date_time`, or `start_date_time` for interval entries (the latter is a guess; the docs show only `date_time`).",
      properties: {
        date_time: { type: "string", format: "date-time" },
        start_date_time: { type: "string", format: "date-time" },
      },
    },
    ActionResult: {
      type: "object",
      additionalProperties: true,
      description: "The body of a custom action's answer; the docs do not show it.",
    },
    // errors
    Error: {
      type: "object",
      description: "A Django REST framework error.",
      properties: { detail: { type: "string" } },
      additionalProperties: true,
    },
    ValidationError: {
      type: "object",
      description:
        'A Django REST framework validation error: messages per field (`{ name: ["This field is required."] }`), `non_field_errors`, or a single `detail`.',
      properties: {
        detail: { type: "string" },
        non_field_errors: { type: "array", items: { type: "string" } },
      },
      additionalProperties: ref("FieldErrors"),
    },
    FieldErrors: {
      description: "Messages for one field; nested objects for nested fields.",
      anyOf: [
        { type: "array", items: { type: "string" } },
        { type: "string" },
        { type: "object", additionalProperties: true },
      ],
    },
    // auth
    DeviceAuthorizationRequest: {
      type: "object",
      properties: {
        client_name: {
          type: "string",
          description: "Shown to the user; the Python client sends `brainstem-python`.",
        },
      },
    },
    DeviceAuthorization: {
      type: "object",
      required: ["device_code"],
      properties: {
        device_code: { type: "string", description: "Send to /api/auth/device/token/ when polling." },
        user_code: {
          type: "string",
          description: "Code the user enters at `verification_uri` (headless mode).",
        },
        verification_uri: { type: "string" },
        verification_uri_complete: {
          type: "string",
          description: "Approval page with the session filled in.",
        },
        interval: { type: "integer", description: "Seconds between polls (5)." },
        expires_in: { type: "integer", description: "Seconds the device session lives (15 minutes)." },
        session_id: { type: "string" },
      },
    },
    DeviceTokenRequest: {
      type: "object",
      required: ["device_code"],
      properties: { device_code: { type: "string" } },
    },
    DeviceTokenResponse: {
      type: "object",
      description:
        "Always HTTP 200: `{status: authorization_pending}` (keep polling), `{status: success, token}` (done), or `{error}`.",
      properties: {
        status: { type: "string", description: "`authorization_pending` or `success`." },
        token: { type: "string", description: "The personal access token, on success." },
        error: {
          type: "string",
          description: "`access_denied`, `expired_token` or `already_used`: stop polling.",
        },
      },
    },
    LoginRequest: {
      type: "object",
      required: ["email", "password"],
      properties: { email: { type: "string" }, password: { type: "string", format: "password" } },
    },
    TokenPair: {
      type: "object",
      required: ["access", "refresh"],
      properties: {
        access: { type: "string", description: "Access token (1 hour)." },
        refresh: { type: "string", description: "Refresh token (30 days)." },
        token_type: { type: "string", description: "`bearer`." },
        expires_in: { type: "integer", description: "Seconds until the access token expires (3600)." },
      },
    },
    RefreshRequest: {
      type: "object",
      required: ["refresh"],
      properties: { refresh: { type: "string" } },
    },
    RefreshedTokens: {
      type: "object",
      required: ["access"],
      description: "A new access token and a new refresh token; the old refresh token stops working.",
      properties: {
        access: { type: "string" },
        refresh: { type: "string" },
        token_type: { type: "string" },
        expires_in: { type: "integer" },
      },
    },
    LegacyTokenRequest: {
      type: "object",
      required: ["username", "password"],
      properties: {
        username: { type: "string", description: "The account email." },
        password: { type: "string", format: "password" },
      },
    },
    LegacyToken: {
      type: "object",
      description:
        "The seed shows `access`; the pre-v2 clients read `token`. Either may carry the long-lived token.",
      properties: {
        access: { type: "string" },
        token: { type: "string" },
        token_id: { type: "integer" },
        message: { type: "string" },
      },
    },
  };
}

function sharedResponses() {
  const errBody = (schema, description) => json(ref(schema), description);
  return {
    BadRequest: errBody("ValidationError", "Bad request: invalid parameters or field values."),
    Unauthorized: errBody("Error", "Missing, invalid or expired token."),
    Forbidden: errBody("Error", "Not allowed for this user or portal."),
    NotFound: errBody("Error", "No such record in this portal (or not visible to the caller)."),
    ServerError: {
      description: "Server error; the body may be an HTML page.",
      content: {
        "application/json": { schema: ref("Error") },
        "text/html": { schema: { type: "string" } },
      },
    },
  };
}

function sharedParameters() {
  return {
    Id: {
      name: "id",
      in: "path",
      required: true,
      description: "The record's UUID.",
      schema: { type: "string", format: "uuid", pattern: UUID_PATTERN },
    },
    IntegerId: {
      name: "id",
      in: "path",
      required: true,
      description: "The record's integer id (users and groups).",
      schema: { type: "integer", minimum: 1 },
    },
    IncludeQuery: {
      name: "include",
      in: "query",
      description: "Relations to expand into full records, serialized as repeated `include[]=`.",
      schema: { type: "array", items: { type: "string" } },
      "x-sciportals-serialize": "brackets",
    },
    Limit: {
      name: "limit",
      in: "query",
      description: "Records per page (default 20, maximum 100).",
      schema: { type: "integer", minimum: 1, maximum: 100, default: 20 },
    },
    Offset: {
      name: "offset",
      in: "query",
      description: "Records to skip.",
      schema: { type: "integer", minimum: 0, default: 0 },
    },
  };
}

// ------------------------------------------------------------------ auth operations

function authPaths() {
  const tags = ["auth"];
  return {
    "/api/auth/device/": {
      post: op({
        operationId: "startDeviceAuthorization",
        summary: "Start a device authorization",
        description:
          "Step 1 of the browser sign-in flow (2FA-safe): open `verification_uri_complete` (or show `user_code`), then poll pollDeviceAuthorization every `interval` seconds. " +
          "Source: docs/api.md; Python `_device_auth_flow`; MATLAB `get_token.m`. The success status code is not documented; the clients accept any 2xx.",
        tags,
        security: [],
        requestBody: {
          required: false,
          content: { "application/json": { schema: ref("DeviceAuthorizationRequest") } },
        },
        responses: {
          200: json(ref("DeviceAuthorization"), "A device session."),
          400: resp("BadRequest"),
          500: resp("ServerError"),
        },
        "x-sciportals-provenance": "public",
      }),
    },
    "/api/auth/device/token/": {
      post: op({
        operationId: "pollDeviceAuthorization",
        summary: "Poll a device authorization",
        description:
          "Always answers HTTP 200; the body says what happened (pending, success with the personal access token, or an error). Source: docs/api.md.",
        tags,
        security: [],
        requestBody: {
          required: true,
          content: { "application/json": { schema: ref("DeviceTokenRequest") } },
        },
        responses: {
          200: json(ref("DeviceTokenResponse"), "The state of the device session."),
          400: resp("BadRequest"),
          500: resp("ServerError"),
        },
        "x-sciportals-provenance": "public",
      }),
    },
    "/api/auth/token/": {
      post: op({
        operationId: "login",
        summary: "Get an access and refresh token pair",
        description:
          "Email and password for a 1-hour access token and a 30-day refresh token. Documented only in the seed (docs/api.md before 2026-03-30); " +
          "removed from the current docs when 2FA made the device flow mandatory, so it may be gone.",
        tags,
        deprecated: true,
        security: [],
        requestBody: { required: true, content: { "application/json": { schema: ref("LoginRequest") } } },
        responses: {
          200: json(ref("TokenPair"), "A token pair."),
          400: resp("BadRequest"),
          401: resp("Unauthorized"),
          500: resp("ServerError"),
        },
        "x-sciportals-provenance": "seed",
      }),
    },
    "/api/auth/token/refresh/": {
      post: op({
        operationId: "refreshToken",
        summary: "Refresh an access token",
        description:
          "Returns a new access token and a new refresh token; the refresh token sent becomes invalid (rotation). Seed only; deprecated upstream.",
        tags,
        deprecated: true,
        security: [],
        requestBody: { required: true, content: { "application/json": { schema: ref("RefreshRequest") } } },
        responses: {
          200: json(ref("RefreshedTokens"), "New tokens."),
          400: resp("BadRequest"),
          401: resp("Unauthorized"),
          500: resp("ServerError"),
        },
        "x-sciportals-provenance": "seed",
      }),
    },
    "/api/token/": {
      post: op({
        operationId: "obtainLegacyToken",
        summary: "Get a long-lived token (legacy)",
        description:
          "Username (email) and password for a sliding token equivalent to a personal access token; it shows up on the token management page. " +
          "The seed shows `{access, token_id, message}`; the pre-v2 clients read `token`. Seed only; deprecated upstream.",
        tags,
        deprecated: true,
        security: [],
        requestBody: {
          required: true,
          content: { "application/json": { schema: ref("LegacyTokenRequest") } },
        },
        responses: {
          200: json(ref("LegacyToken"), "A long-lived token."),
          400: resp("BadRequest"),
          401: resp("Unauthorized"),
          500: resp("ServerError"),
        },
        "x-sciportals-provenance": "seed",
      }),
    },
  };
}

// ------------------------------------------------------------------ document

function build() {
  const models = expandModels();
  const schemas = {};
  const parameters = sharedParameters();
  const paths = {};
  const opIds = new Set();
  const addPath = (p, item) => {
    if (paths[p]) throw new Error(`duplicate path ${p}`);
    for (const [k, v] of Object.entries(item)) {
      if (k === "parameters") continue;
      if (opIds.has(v.operationId)) throw new Error(`duplicate operationId ${v.operationId}`);
      opIds.add(v.operationId);
    }
    paths[p] = item;
  };

  for (const m of models) {
    const idParam = param(m.idType === "integer" ? "IntegerId" : "Id");
    const writable = m.kind === "crud";
    schemas[m.name] = recordSchema(m);
    if (writable) {
      schemas[`${m.name}Input`] = writeSchema(m, "input"); // POST and PUT (PUT exists without POST for users)
      schemas[`${m.name}Patch`] = writeSchema(m, "patch");
    }
    schemas[`${m.name}List`] = listSchema(m);
    schemas[`${m.name}Detail`] = detailSchema(m);
    if (m.approval) schemas[`${m.name}WriteResult`] = writeResultSchema(m);
    schemas[`${m.name}Filter`] = filterSchema(m);
    Object.assign(parameters, modelQueryParams(m));
    schemas[`${m.name}SortField`] = sortSchema(m);
    const inc = includeSchema(m);
    if (inc) schemas[`${m.name}Include`] = inc;

    const base = `/api/private/${m.app}/${m.model}/`;
    const coll = { get: listOp(m, false) };
    if (writable && !m.noCreate) coll.post = createOp(m);
    addPath(base, coll);
    const item = { parameters: [idParam], get: getOp(m, false) };
    if (writable) {
      item.patch = updateOp(m);
      item.put = replaceOp(m);
      item.delete = deleteOp(m);
    }
    addPath(`${base}{id}/`, item);
    for (const key of m.actions) {
      const a = ACTIONS[key];
      if (!a) throw new Error(`${m.model}: unknown action ${key}`);
      addPath(`${base}{id}/${a.segment}/`, {
        parameters: [param(m.idType === "integer" ? "IntegerId" : "Id")],
        [a.method]: actionOp(m, key),
      });
    }
    if (m.public) {
      const pub = `/api/public/${m.app}/${m.model}/`;
      addPath(pub, { get: listOp(m, true) });
      addPath(`${pub}{id}/`, {
        parameters: [param(m.idType === "integer" ? "IntegerId" : "Id")],
        get: getOp(m, true),
      });
    }
  }
  for (const [p, item] of Object.entries(authPaths())) addPath(p, item);

  // entries' request schemas are shared; make sure models reference existing ones
  const shared = sharedSchemas();
  for (const m of models)
    if (m.entry && !shared[m.entry]) throw new Error(`${m.model}: no schema ${m.entry}`);

  const doc = {
    openapi: "3.1.0",
    info: {
      title: "BrainSTEM API",
      version: "1.0.0",
      summary: "REST API of BrainSTEM, the neuroscience metadata platform (brainstem.org).",
      description: [
        "Curated description of the BrainSTEM REST API for the sciportals client generator.",
        "",
        "- URLs: `/api/{portal}/{app}/{model}/` and `/api/{portal}/{app}/{model}/{id}/`, always with a trailing slash. " +
          "The private portal needs a token; the public portal serves data its owners made public, read-only and without credentials.",
        "- Lists answer `{ <plural>: [...], count?, next?, previous?, meta? }`; records come back as `{ <singular>: {...} }` (keys per model, as documented).",
        "- Query: `filter{field.op}=value`, repeated `sort[]=` and `include[]=`, `limit` (max 100) and `offset`.",
        "- Auth: a personal access token as `Authorization: Bearer` (create one at https://www.brainstem.org/private/users/tokens/ or with the device flow).",
        "",
        "Provenance of each operation is in `x-sciportals-provenance`; specs/brainstem/PROVENANCE.md lists the sources and the guesses.",
      ].join("\n"),
    },
    servers: [{ url: "https://www.brainstem.org", description: "BrainSTEM" }],
    security: PRIVATE_SECURITY,
    tags: [
      ...APPS.map((a) => ({ name: a.name, description: a.description })),
      {
        name: "auth",
        description: "Device authorization flow and the deprecated password-based token endpoints.",
      },
    ],
    paths,
    components: {
      securitySchemes: {
        PersonalAccessToken: {
          type: "http",
          scheme: "bearer",
          description:
            "Personal access token (one year, sliding). Create one in the web UI or with the device authorization flow.",
          "x-sciportals-credential": {
            option: "token",
            env: "BRAINSTEM_API_TOKEN",
            help: "Create a personal access token at https://www.brainstem.org/private/users/tokens/ (or sign in with the device flow).",
          },
          "x-sciportals-device-flow": {
            start: "startDeviceAuthorization",
            poll: "pollDeviceAuthorization",
            status: "status",
            pending: ["authorization_pending", "slow_down"],
            token: "token",
            error: "error",
          },
        },
        JwtAccessToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "Short-lived access token from the deprecated email/password login (seed only).",
          "x-sciportals-session": {
            login: "login",
            refresh: "refreshToken",
            refreshCredential: "body",
            refreshTokenField: "refresh",
            accessToken: ["access"],
            refreshToken: ["refresh"],
            expiresIn: "expires_in",
            options: ["email", "password"],
          },
        },
      },
      parameters,
      responses: sharedResponses(),
      schemas: { ...shared, ...schemas },
    },
    "x-sciportals": {
      package: "@sciportals/brainstem",
      name: "Brainstem",
      title: "BrainSTEM",
      baseUrlEnv: "BRAINSTEM_BASE_URL",
    },
  };
  return { doc, models, opCount: opIds.size };
}

const { doc, opCount } = build();
const header = [
  "# GENERATED by specs/brainstem/build.mjs from specs/brainstem/models.mjs. Do not edit by hand:",
  "# change the table or the script and run `node specs/brainstem/build.mjs`.",
  "",
].join("\n");
const body = stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
writeFileSync(OUT, header + body);
console.log(`wrote ${OUT} (${opCount} operations)`);
