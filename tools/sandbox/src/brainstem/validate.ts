/**
 * Django REST framework style validation of write bodies (`{"name": ["This field is required."]}`),
 * and the translation of the spec router's (ajv) problems into the same shape.
 */
import type { FieldDef, ModelDef } from "./schema.js";
import { UUID_RE, type Store, type Viewer } from "./store.js";

export type FieldErrors = Record<string, unknown>;

/** Python's name for a JSON value's type, as DRF puts it in messages. */
export function pyType(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (Array.isArray(v)) return "list";
  if (typeof v === "string") return "str";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  return "dict";
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

// The date-time format ajv-formats checks (RFC 3339, seconds and zone required).
const DATE_TIME =
  /^\d\d\d\d-[0-1]\d-[0-3]\d[t\s](?:[0-2]\d:[0-5]\d:[0-5]\d|23:59:60)(?:\.\d+)?(?:z|[+-]\d\d(?::?\d\d)?)$/i;
const DATE = /^\d\d\d\d-[0-1]\d-[0-3]\d$/;
const EXTRA_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const REPOSITORIES = [
  "CRCNS",
  "DANDI",
  "Figshare",
  "GitHub",
  "Globus",
  "Mendeley",
  "Zenodo",
  "Webshare",
  "Other",
];

export const MESSAGES = {
  required: "This field is required.",
  null: "This field may not be null.",
  blank: "This field may not be blank.",
  string: "Not a valid string.",
  integer: "A valid integer is required.",
  boolean: "Must be a valid boolean.",
  date: "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
  datetime:
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
  emptyList: "This list may not be empty.",
  notList: (v: unknown) => `Expected a list of items but got type "${pyType(v)}".`,
  notDict: (v: unknown) => `Expected a dictionary of items but got type "${pyType(v)}".`,
  maxLength: (n: number) => `Ensure this field has no more than ${n} characters.`,
  min: (n: number) => `Ensure this value is greater than or equal to ${n}.`,
  max: (n: number) => `Ensure this value is less than or equal to ${n}.`,
  choice: (v: unknown) => `"${String(v)}" is not a valid choice.`,
  uuid: (v: unknown) => `“${String(v)}” is not a valid UUID.`,
  pkType: (v: unknown) => `Incorrect type. Expected pk value, received ${pyType(v)}.`,
  pkMissing: (v: unknown) => `Invalid pk "${String(v)}" - object does not exist.`,
  notObject: (v: unknown) => `Invalid data. Expected a dictionary, but got ${pyType(v)}.`,
};

type Check = { error: unknown } | { value: unknown };

export interface Validator {
  store: Store;
  viewer: Viewer;
}

function relation(ctx: Validator, f: FieldDef, v: unknown): Check {
  const wantsUuid = f.type === "fk" || f.type === "fk[]";
  const wantsInt = f.type === "ifk" || f.type === "ifk[]";
  if (typeof v === "boolean" || (typeof v !== "string" && typeof v !== "number"))
    return { error: [MESSAGES.pkType(v)] };
  if (wantsUuid && typeof v !== "string") return { error: [MESSAGES.pkType(v)] };
  if (wantsInt && !(typeof v === "number" && Number.isInteger(v))) return { error: [MESSAGES.pkType(v)] };
  if (typeof v === "string" && !UUID_RE.test(v)) return { error: [MESSAGES.uuid(v)] };
  const id = typeof v === "string" ? v.toLowerCase() : v;
  if (f.target) {
    const row = ctx.store.get(f.target, id);
    if (!row || !ctx.store.canView(f.target, row, ctx.viewer)) return { error: [MESSAGES.pkMissing(v)] };
  }
  return { value: id };
}

function permissionMap(ctx: Validator, f: FieldDef, v: unknown): Check {
  if (!isObject(v)) return { error: [MESSAGES.notDict(v)] };
  const allowed =
    f.type === "groupMembers"
      ? ["is_manager", "is_owner", "remove"]
      : ["can_change", "is_manager", "is_owner", "remove"];
  const errors: FieldErrors = {};
  for (const [key, perms] of Object.entries(v)) {
    const known =
      f.type === "groupPerms"
        ? ctx.store.rows("users/group").some((g) => g.data.name === key)
        : ctx.store.accountByEmail(key) !== undefined;
    if (!known) {
      errors[key] = [
        f.type === "groupPerms" ? `Group "${key}" does not exist.` : `No user with email "${key}".`,
      ];
      continue;
    }
    if (!isObject(perms)) {
      errors[key] = [MESSAGES.notDict(perms)];
      continue;
    }
    for (const [name, flag] of Object.entries(perms)) {
      if (allowed.includes(name) && typeof flag !== "boolean") errors[key] = { [name]: [MESSAGES.boolean] };
    }
  }
  return Object.keys(errors).length ? { error: errors } : { value: v };
}

function downloadLinks(v: unknown): Check {
  if (!Array.isArray(v)) return { error: [MESSAGES.notList(v)] };
  let bad = false;
  const errors = v.map((item) => {
    const e: FieldErrors = {};
    if (!isObject(item)) {
      bad = true;
      return { non_field_errors: [MESSAGES.notObject(item)] };
    }
    if (item.repository === undefined) e.repository = [MESSAGES.required];
    else if (!REPOSITORIES.includes(String(item.repository)))
      e.repository = [MESSAGES.choice(item.repository)];
    if (item.url === undefined) e.url = [MESSAGES.required];
    else if (typeof item.url !== "string" || !/^(https?|ftp):\/\//.test(item.url))
      e.url = ["Enter a valid URL."];
    if (Object.keys(e).length) bad = true;
    return e;
  });
  return bad
    ? { error: errors }
    : { value: v.map((item) => ({ repository: item.repository, url: item.url })) };
}

/** Validates one field's value; null handling and the DRF message for each type. */
export function checkField(ctx: Validator, f: FieldDef, v: unknown): Check {
  if (v === null) return f.nullable || f.type === "json" ? { value: null } : { error: [MESSAGES.null] };
  switch (f.type) {
    case "str":
      if (typeof v !== "string") return { error: [MESSAGES.string] };
      if (f.required && v.trim() === "") return { error: [MESSAGES.blank] };
      if (f.maxLength !== undefined && v.length > f.maxLength)
        return { error: [MESSAGES.maxLength(f.maxLength)] };
      return { value: v };
    case "enum":
      return typeof v === "string" && f.enum!.includes(v) ? { value: v } : { error: [MESSAGES.choice(v)] };
    case "int":
      if (typeof v !== "number" || !Number.isInteger(v)) return { error: [MESSAGES.integer] };
      if (f.minimum !== undefined && v < f.minimum) return { error: [MESSAGES.min(f.minimum)] };
      return { value: v };
    case "bool":
      return typeof v === "boolean" ? { value: v } : { error: [MESSAGES.boolean] };
    case "date":
      return typeof v === "string" && DATE.test(v) && !Number.isNaN(Date.parse(v))
        ? { value: v }
        : { error: [MESSAGES.date] };
    case "datetime":
      return typeof v === "string" && DATE_TIME.test(v) ? { value: v } : { error: [MESSAGES.datetime] };
    case "json":
      return { value: v };
    case "extra": {
      if (!isObject(v)) return { error: [MESSAGES.notDict(v)] };
      const errors: FieldErrors = {};
      for (const [key, value] of Object.entries(v)) {
        if (!EXTRA_KEY.test(key))
          errors[key] = ["Keys must start with a letter and hold only letters, digits and underscores."];
        else if (typeof value !== "string" && typeof value !== "number")
          errors[key] = ["Values must be strings or numbers."];
      }
      return Object.keys(errors).length ? { error: errors } : { value: v };
    }
    case "tags":
      if (!Array.isArray(v)) return { error: [MESSAGES.notList(v)] };
      if (v.some((t) => typeof t !== "string")) return { error: [MESSAGES.string] };
      return { value: v };
    case "fk":
    case "ifk":
      return relation(ctx, f, v);
    case "fk[]":
    case "ifk[]":
    case "anyid[]": {
      if (!Array.isArray(v)) return { error: [MESSAGES.notList(v)] };
      if (f.minItems && v.length < f.minItems) return { error: [MESSAGES.emptyList] };
      const out: unknown[] = [];
      for (const item of v) {
        const r = relation(ctx, f, item);
        if ("error" in r) return r;
        if (!out.includes(r.value)) out.push(r.value);
      }
      return { value: out };
    }
    case "projectPerms":
    case "groupPerms":
    case "groupMembers":
      return permissionMap(ctx, f, v);
    case "downloadLinks":
      return downloadLinks(v);
    default:
      return { value: v };
  }
}

/**
 * Validates a create (POST), replace (PUT) or update (PATCH) body against the model's write fields.
 * Unknown and read-only keys are ignored, as DRF does. Returns the cleaned values of the fields sent.
 */
export function validateWrite(
  ctx: Validator,
  m: ModelDef,
  body: unknown,
  mode: "create" | "replace" | "update",
): { errors?: FieldErrors; data: Record<string, unknown> } {
  if (!isObject(body)) return { errors: { non_field_errors: [MESSAGES.notObject(body)] }, data: {} };
  const fields = (mode === "update" ? m.patch : m.input) ?? new Map<string, FieldDef>();
  const required = m.input ?? new Map<string, FieldDef>();
  const errors: FieldErrors = {};
  const data: Record<string, unknown> = {};
  for (const f of fields.values()) {
    const spec = { ...f, required: required.get(f.name)?.required === true };
    if (!(f.name in body) || body[f.name] === undefined) {
      if (mode !== "update" && spec.required) errors[f.name] = [MESSAGES.required];
      continue;
    }
    const r = checkField(ctx, spec, body[f.name]);
    if ("error" in r) errors[f.name] = r.error;
    else data[f.name] = r.value;
  }
  return Object.keys(errors).length ? { errors, data } : { data };
}

/** A DRF message for one ajv message about `value`. */
function fromAjv(message: string, value: unknown): string {
  let m: RegExpExecArray | null;
  if (message === "must be string") return MESSAGES.string;
  if (message === "must be integer" || message === "must be number") return MESSAGES.integer;
  if (message === "must be boolean") return MESSAGES.boolean;
  if (message === "must be array") return MESSAGES.notList(value);
  if (message === "must be object") return MESSAGES.notDict(value);
  if (message === "must be null") return MESSAGES.null;
  if (message === "must be equal to one of the allowed values") return MESSAGES.choice(value);
  if ((m = /^must NOT have more than (\d+) characters$/.exec(message)))
    return MESSAGES.maxLength(Number(m[1]));
  if ((m = /^must be >= (-?[\d.]+)$/.exec(message))) return MESSAGES.min(Number(m[1]));
  if ((m = /^must be <= (-?[\d.]+)$/.exec(message))) return MESSAGES.max(Number(m[1]));
  if (/^must NOT have fewer than \d+ items$/.test(message)) return MESSAGES.emptyList;
  if (message === 'must match format "uuid"' || message.startsWith("must match pattern"))
    return MESSAGES.uuid(value);
  if (message === 'must match format "date-time"') return MESSAGES.datetime;
  if (message === 'must match format "date"') return MESSAGES.date;
  return message;
}

const NOISE = new Set(["must match a schema in anyOf", "must be null"]);

export interface Problem {
  location: string;
  name: string;
  message: string;
}

/**
 * Turns the router's problems into a DRF error body. `body` is the parsed request body (for the
 * types DRF names in its messages), `required` the request schema's required fields.
 */
export function drfFromProblems(problems: Problem[], body: unknown, required: string[] = []): FieldErrors {
  const out: FieldErrors = {};
  const add = (field: string, message: string) => {
    if (!(field in out)) out[field] = [message];
  };
  for (const p of problems) {
    if (p.location === "body") {
      if (p.message === "JSON decode error") {
        out.detail = "JSON parse error - Expecting value: line 1 column 1 (char 0)";
        continue;
      }
      if (p.message.startsWith("unsupported content type")) {
        out.detail = `Unsupported media type "${p.message.replace("unsupported content type ", "")}" in request.`;
        continue;
      }
      if (p.message === "Field required") {
        for (const name of required) add(name, MESSAGES.required);
        if (!required.length) out.non_field_errors = ["No data provided"];
        continue;
      }
      const parts = p.message.split("; ");
      // Noise from nullable unions only when nothing better was said about the field.
      const ordered = [...parts.filter((x) => !NOISE.has(x.replace(/^\S+ /, ""))), ...parts];
      for (const part of ordered) {
        const space = part.indexOf(" ");
        const path = part.slice(0, space);
        const message = part.slice(space + 1);
        const req = /^must have required property '(.+)'$/.exec(message);
        if (path === "(root)") {
          if (req) add(req[1]!, MESSAGES.required);
          else if (message === "must be object") out.non_field_errors = [MESSAGES.notObject(body)];
          else add("non_field_errors", message);
          continue;
        }
        const field = path.split("/")[1]!;
        const value = isObject(body) ? body[field] : undefined;
        if (NOISE.has(message) && !(field in out) && value === null) add(field, MESSAGES.null);
        else if (!NOISE.has(message)) add(field, fromAjv(message, value));
      }
      continue;
    }
    const first = p.message.split("; ")[0]!.replace(/^\S+ /, "");
    add(p.name, p.message === "Field required" ? MESSAGES.required : fromAjv(first, undefined));
  }
  return Object.keys(out).length ? out : { detail: "Bad request." };
}
