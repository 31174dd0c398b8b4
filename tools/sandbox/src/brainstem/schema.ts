/**
 * The BrainSTEM model table, read from the spec (not from tools/spec-build): every model the spec has
 * paths for, with its envelope keys, id type, fields (read and write), and which operations exist.
 * The one thing the spec does not say is where a relation points; RELATION_TARGETS adds that.
 */

import {
  EXTENSIONS,
  isObject,
  objectAt,
  readExtension,
  stringAt,
  stringsOf,
  successSchema,
  type Json,
  type JsonObject,
} from "@sciportals/codegen/spec";

export type FieldType =
  | "str"
  | "int"
  | "bool"
  | "date"
  | "datetime"
  | "enum"
  | "json"
  | "extra"
  | "tags"
  | "links"
  | "fk"
  | "fk[]"
  | "ifk"
  | "ifk[]"
  | "anyid[]"
  | "projectPerms"
  | "groupPerms"
  | "groupMembers"
  | "downloadLinks"
  | "ownedGroups"
  | "entries"
  | "other";

export interface FieldDef {
  name: string;
  type: FieldType;
  nullable: boolean;
  readOnly: boolean;
  enum?: string[];
  maxLength?: number;
  minimum?: number;
  minItems?: number;
  /** For relations: the model key (`app/model`) the ids point to. */
  target?: string;
  /** Required on create and replace (write fields only). */
  required?: boolean;
  /** Unique on the server (the spec's description says "Unique."). */
  unique?: boolean;
}

export type ModelKind = "crud" | "invitation" | "approval";

export interface ModelDef {
  /** `app/model`, e.g. `stem/session`. */
  key: string;
  app: string;
  model: string;
  /** Schema name, e.g. `Session`. */
  name: string;
  listKey: string;
  detailKey: string;
  idType: "uuid" | "integer";
  kind: ModelKind;
  /** Read fields, in the spec's order (without `id`). */
  fields: Map<string, FieldDef>;
  /** Writable fields for POST and PUT, and for PATCH. */
  input?: Map<string, FieldDef>;
  patch?: Map<string, FieldDef>;
  canCreate: boolean;
  hasPublic: boolean;
  sortable: Set<string>;
  includable: Set<string>;
  /** For a `*approval` model: the model it reviews; for an approval-gated model: its approval model. */
  approvalOf?: string;
  approvalModel?: string;
}

/** Where relations point. Keys are `field` or `app/model.field` (the latter wins). */
const RELATION_TARGETS: Record<string, string | null> = {
  // A project group invitation invites a group, not a user.
  "stem/projectgroupmembershipinvitation.invitee": "users/group",
  projects: "stem/project",
  project: "stem/project",
  active_projects: "stem/project",
  sessions: "stem/session",
  session: "stem/session",
  subjects: "stem/subject",
  subject: "stem/subject",
  mother: "stem/subject",
  father: "stem/subject",
  collections: "stem/collection",
  cohorts: "stem/cohort",
  breeding: "stem/breeding",
  epochs: null, // no epoch endpoint exists; always an empty list
  publications: "dissemination/publication",
  journal: "dissemination/journal",
  licenses: "personal_attributes/license",
  datastorage: "personal_attributes/datastorage",
  setup: "personal_attributes/setup",
  behavioralassay: "personal_attributes/behavioralassay",
  behavioralassays: "personal_attributes/behavioralassay",
  inventory: "personal_attributes/inventory",
  procedures: "modules/procedure",
  procedure: "modules/procedure",
  subjectlogs: "modules/subjectlog",
  dataacquisition: "modules/dataacquisition",
  behaviors: "modules/behavior",
  manipulations: "modules/manipulation",
  consumablestock: "modules/consumablestock",
  equipment: "modules/equipment",
  strain: "taxonomies/strain",
  species: "taxonomies/species",
  brain_region: "taxonomies/brainregion",
  setup_type: "taxonomies/setuptype",
  behavioral_paradigm: "taxonomies/behavioralparadigm",
  regulatory_authority: "taxonomies/regulatoryauthority",
  parent: "taxonomies/behavioralcategory",
  category: "taxonomies/behavioralcategory",
  supplier: "resources/supplier",
  consumable: "resources/consumable",
  hardwaredevice: "resources/hardwaredevice",
  user: "users/user",
  invitee: "users/user",
  user_account_invitation: "users/user",
  user_account_request: "users/user",
  license_holders: "users/user",
  principal_investigators: "users/user",
  reviewer: "users/user",
  group: "users/group",
  authgroup: "users/group",
};

const RELATION_TYPES = new Set<FieldType>(["fk", "fk[]", "ifk", "ifk[]", "anyid[]"]);
export const isRelation = (f: FieldDef) => RELATION_TYPES.has(f.type);
export const isMany = (f: FieldDef) => f.type.endsWith("[]");

const REF_TYPES: Record<string, FieldType> = {
  Uuid: "fk",
  IntegerId: "ifk",
  AnyId: "anyid[]",
  ExtraFields: "extra",
  Links: "links",
  ProjectUserPermissions: "projectPerms",
  ProjectUserPermissionChanges: "projectPerms",
  ProjectGroupPermissions: "groupPerms",
  ProjectGroupPermissionChanges: "groupPerms",
  GroupMembers: "groupMembers",
  GroupMemberChanges: "groupMembers",
  DownloadLink: "downloadLinks",
  OwnedGroup: "ownedGroups",
  ProcedureLogEntry: "entries",
  SubjectLogEntry: "entries",
};

/** The last segment of a local `$ref`: a schema's or a parameter's name. */
const refName = (s: Json | undefined): string | undefined =>
  isObject(s) && typeof s.$ref === "string" ? s.$ref.split("/").pop() : undefined;

const asObject = (node: Json | undefined): JsonObject => (isObject(node) ? node : {});

interface Shape {
  type: FieldType;
  nullable: boolean;
  enum?: string[];
  maxLength?: number;
  minimum?: number;
  minItems?: number;
}

function classify(schema: Json | undefined): Shape {
  let s = asObject(schema);
  let nullable = false;
  if (Array.isArray(s.anyOf)) {
    const rest = s.anyOf.filter((b) => !(isObject(b) && b.type === "null"));
    nullable = rest.length !== s.anyOf.length;
    if (rest.length === 2 && refName(rest[1]) === "ExpandedRecord") s = asObject(rest[0]);
    else if (rest.length === 1) s = asObject(rest[0]);
    else return { type: "other", nullable };
  }
  const ref = refName(s);
  if (ref) return { type: REF_TYPES[ref] ?? "other", nullable };
  const types = Array.isArray(s.type) ? stringsOf(s.type) : typeof s.type === "string" ? [s.type] : [];
  if (types.includes("null")) nullable = true;
  const t = types.find((x) => x !== "null");
  const out: Shape = { type: "other", nullable };
  switch (t) {
    case undefined:
      out.type = "json";
      break;
    case "array": {
      const item = classify(s.items);
      const itemRef = refName(s.items);
      out.type =
        item.type === "fk"
          ? "fk[]"
          : item.type === "ifk"
            ? "ifk[]"
            : item.type === "anyid[]"
              ? "anyid[]"
              : item.type === "str"
                ? "tags"
                : itemRef && REF_TYPES[itemRef]
                  ? REF_TYPES[itemRef]!
                  : "other";
      if (typeof s.minItems === "number") out.minItems = s.minItems;
      break;
    }
    case "string":
      if (s.format === "date") out.type = "date";
      else if (s.format === "date-time") out.type = "datetime";
      else if (Array.isArray(s.enum)) {
        out.type = "enum";
        out.enum = stringsOf(s.enum);
      } else out.type = "str";
      if (typeof s.maxLength === "number") out.maxLength = s.maxLength;
      break;
    case "integer":
      out.type = "int";
      if (typeof s.minimum === "number") out.minimum = s.minimum;
      break;
    case "boolean":
      out.type = "bool";
      break;
  }
  return out;
}

function targetOf(modelKey: string, field: string, approvalOf?: string): string | undefined {
  if (field === "instance_id") return approvalOf;
  const specific = RELATION_TARGETS[`${modelKey}.${field}`];
  if (specific !== undefined) return specific ?? undefined;
  const general = RELATION_TARGETS[field];
  if (general === undefined)
    throw new Error(`brainstem sandbox: no relation target for ${modelKey}.${field}`);
  return general ?? undefined;
}

/** A component schema the model table relies on; the spec is generated, so a missing one is a bug. */
function schemaNamed(spec: JsonObject, name: string): JsonObject {
  const schema = objectAt(objectAt(spec, "components"), "schemas")[name];
  if (!isObject(schema)) throw new Error(`brainstem sandbox: no schema ${name} in the spec`);
  return schema;
}

function fieldsOf(
  spec: JsonObject,
  schemaName: string,
  modelKey: string,
  readOnlyAll: boolean,
  approvalOf?: string,
): Map<string, FieldDef> {
  const schema = schemaNamed(spec, schemaName);
  const required = new Set(stringsOf(schema.required));
  const out = new Map<string, FieldDef>();
  for (const [name, prop] of Object.entries(objectAt(schema, "properties"))) {
    if (name === "id") continue;
    const shape = classify(prop);
    const f: FieldDef = { name, ...shape, readOnly: readOnlyAll || asObject(prop).readOnly === true };
    if (required.has(name)) f.required = true;
    if (/\bUnique\./.test(stringAt(prop, "description") ?? "")) f.unique = true;
    if (RELATION_TYPES.has(f.type)) {
      const target = targetOf(modelKey, name, approvalOf);
      if (target) f.target = target;
    }
    out.set(name, f);
  }
  return out;
}

const PAGINATION = EXTENSIONS.find((e) => e.key === "x-sciportals-pagination")!;

/** Reads every model the spec has paths for. */
export function readModels(spec: JsonObject): Map<string, ModelDef> {
  const models = new Map<string, ModelDef>();
  const paths = objectAt(spec, "paths");
  const schemas = objectAt(objectAt(spec, "components"), "schemas");
  for (const [path, item] of Object.entries(paths)) {
    const m = /^\/api\/private\/([a-z_]+)\/([a-z]+)\/$/.exec(path);
    const list = isObject(item) ? item.get : undefined;
    if (!m || !isObject(list)) continue;
    const [, app, model] = m as unknown as [string, string, string];
    const key = `${app}/${model}`;
    const listRef = refName(successSchema(spec, list));
    const paging = readExtension(list, PAGINATION);
    const listKey = isObject(paging) ? stringAt(paging, "items") : undefined;
    if (!listRef || !listKey) throw new Error(`brainstem sandbox: GET ${path} is not a paginated list`);
    const name = listRef.replace(/List$/, "");
    const detailKey = stringsOf(schemaNamed(spec, `${name}Detail`).required)[0];
    if (!detailKey) throw new Error(`brainstem sandbox: ${name}Detail requires no envelope key`);
    const itemPath = objectAt(paths, `${path}{id}/`);
    const idParam = Array.isArray(itemPath.parameters) ? refName(itemPath.parameters[0]) : undefined;
    const kind: ModelKind = itemPath.patch
      ? "crud"
      : paths[`${path}{id}/cancel/`]
        ? "invitation"
        : "approval";
    const sortEnum = stringsOf(objectAt(schemas, `${name}SortField`).enum);
    const includeEnum = stringsOf(objectAt(schemas, `${name}Include`).enum);
    const def: ModelDef = {
      key,
      app,
      model,
      name,
      listKey,
      detailKey,
      idType: idParam === "IntegerId" ? "integer" : "uuid",
      kind,
      fields: new Map(),
      canCreate: Boolean(isObject(item) && item.post),
      hasPublic: Boolean(paths[`/api/public/${app}/${model}/`]),
      sortable: new Set(sortEnum.filter((s) => !s.startsWith("-"))),
      includable: new Set(includeEnum.filter((s) => !s.endsWith(".*"))),
    };
    if (kind === "approval") def.approvalOf = `${app}/${model.replace(/approval$/, "")}`;
    def.fields = fieldsOf(spec, name, key, false, def.approvalOf);
    if (kind === "crud") {
      def.input = fieldsOf(spec, `${name}Input`, key, false);
      def.patch = fieldsOf(spec, `${name}Patch`, key, false);
    }
    models.set(key, def);
  }
  for (const def of models.values()) {
    if (def.approvalOf) {
      const base = models.get(def.approvalOf);
      if (!base) throw new Error(`brainstem sandbox: ${def.key} reviews unknown ${def.approvalOf}`);
      base.approvalModel = def.key;
    }
    for (const f of def.fields.values())
      if (f.target && !models.has(f.target))
        throw new Error(`brainstem sandbox: ${def.key}.${f.name} points to unknown ${f.target}`);
  }
  return models;
}
