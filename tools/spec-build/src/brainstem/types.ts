/**
 * The shape of the BrainSTEM model table (`models.ts`) and of the models the builder derives from it.
 * @module
 */

/** The BrainSTEM apps: the `{app}` URL segment, and one OpenAPI tag each. */
export type AppName =
  "stem" | "modules" | "personal_attributes" | "resources" | "taxonomies" | "dissemination" | "users";

/** An app and the description of its tag. */
export interface App {
  name: AppName;
  description: string;
}

/**
 * How a field is typed on the wire.
 *
 * - `str`, `text`, `int`, `bool`, `date`, `datetime`: scalars (`text` is long text, filtered like `str`).
 * - `json`: free-form JSON; `extra`: `extra_fields`; `tags`: a list of strings; `links`: related endpoints.
 * - `fk` / `fk[]`: relation(s) to UUID-keyed records; `ifk` / `ifk[]`: to integer-keyed ones (users, groups);
 *   `anyid[]`: ids the docs give inconsistently as UUIDs or integers.
 * - the rest name a shared component: membership maps, download links, owned groups, log entries.
 */
export type FieldType =
  | "str"
  | "text"
  | "int"
  | "bool"
  | "date"
  | "datetime"
  | "json"
  | "extra"
  | "tags"
  | "links"
  | "enum"
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
  | "procedureLogEntries"
  | "subjectLogEntries";

/** A string field with the documented choices. */
export interface EnumType {
  enum: readonly string[];
}

/** What the docs say about a field beyond its type. All default to off. */
export interface FieldFlags {
  /** Required on create (POST) and replace (PUT). */
  req?: true;
  /** Read-only: returned, never sent. */
  ro?: true;
  /** Writable on create and replace, read-only afterwards (left out of PATCH). */
  createonly?: true;
  /** Unique on the server (documentation only). */
  unique?: true;
  /** A list that needs at least one item. */
  min1?: true;
  /** `maxLength` of a string. */
  max?: number;
  /** `minimum` of an integer. */
  min?: number;
}

/** One row of a model's field table: `[name, type, flags?]`. */
export type FieldRow = readonly [
  name: string,
  type: Exclude<FieldType, "enum"> | EnumType,
  flags?: FieldFlags,
];

/** Free text for a model's operation descriptions, by the operations it applies to. */
export interface Notes {
  /** Every operation. */
  all?: string;
  /** Create only. */
  create?: string;
  /** Create, update and replace. */
  write?: string;
  /** Delete only. */
  delete?: string;
}

/**
 * Custom per-record actions (`/{id}/<segment>/`). Their methods, path segments and bodies are in
 * `actions.ts`; `*_approval` are the review actions of the derived approval models.
 */
export type ActionKey =
  | "accept"
  | "reject"
  | "cancel"
  | "join"
  | "leave"
  | "accept_approval"
  | "reject_approval"
  | "add_entry"
  | "change_entry"
  | "remove_entry";

/** `x-sciportals-provenance` of a model's operations. */
export type Provenance = "public" | "unverified";

/** The shared schemas a log's entry actions send (`<entry>` to add or change, `<entry>Key` to remove). */
export type EntrySchema = "ProcedureLogEntry" | "SubjectLogEntry";

/** One model of the table, as written in `models.ts`. Omitted keys take the defaults noted. */
export interface ModelSpec {
  app: AppName;
  /** The `{model}` URL segment, as the docs spell it. */
  model: string;
  /**
   * The URL segment the Python client uses when it differs from the docs' (`project_membership_invitation`):
   * served as a deprecated alias of the docs' URL.
   */
  pyModel?: string;
  /** Type name (`SessionDataStorage`), used in schema names and operation ids. */
  name: string;
  /** Plural type name, used in list operation ids (`listSessions`). */
  plural: string;
  /** Lower-case name for prose. */
  label: string;
  labelPlural: string;
  /** The envelope key of a list, as the docs show it (not always the URL name). */
  listKey: string;
  /** The envelope key of one record. */
  detailKey: string;
  /** `crud` (default) or `invitation` (list, get and the actions; no writes). */
  kind?: "crud" | "invitation";
  /** `uuid` (default) or `integer` (users/user, users/group). */
  idType?: "uuid" | "integer";
  /** CRUD without POST (users register on the website). */
  noCreate?: true;
  /** `false`: no public-portal operations. Default true. */
  public?: boolean;
  /** Create and change go through review; adds the `<model>approval` endpoints (list, get, accept, reject). */
  approval?: { listKey: string; detailKey: string };
  /** Custom per-record actions. Default none. */
  actions?: readonly ActionKey[];
  /** The entry schema of a log (with the entry actions). */
  entry?: EntrySchema;
  notes?: Notes;
  /** Default `public`. */
  provenance?: Provenance;
  /** Why the field set (or envelope) is a guess; PROVENANCE.md lists these. */
  guess?: string;
  fields: readonly FieldRow[];
}

/** A field row with its flags resolved. */
export interface Field {
  name: string;
  type: FieldType;
  /** The choices of an `enum` field. */
  enum?: readonly string[];
  req: boolean;
  ro: boolean;
  createonly: boolean;
  unique: boolean;
  min1: boolean;
  max?: number;
  min?: number;
}

/** A model with its defaults filled in: a table row, or an approval queue derived from one. */
export interface Model {
  app: AppName;
  model: string;
  pyModel?: string;
  name: string;
  plural: string;
  label: string;
  labelPlural: string;
  listKey: string;
  detailKey: string;
  kind: "crud" | "invitation" | "approval";
  idType: "uuid" | "integer";
  noCreate: boolean;
  public: boolean;
  approval?: { listKey: string; detailKey: string };
  actions: readonly ActionKey[];
  entry?: EntrySchema;
  notes: Notes;
  provenance: Provenance;
  guess?: string;
  fields: readonly Field[];
  /** The docs page (repository path) the operation descriptions cite; null when there is none. */
  doc: string | null;
}
