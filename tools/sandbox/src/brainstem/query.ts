/**
 * BrainSTEM's list query syntax (dynamic-rest style), read from the raw query string:
 * `filter{field}` / `filter{field.op}` / `filter{-field}` (negated) / `filter{rel.field.op}`,
 * repeated `sort[]=` with `-` for descending, and repeated `include[]=` (`rel`, `rel.*`, `rel.sub`).
 */
import { isRelation, type FieldDef, type ModelDef } from "./schema.js";
import { idKey, UUID_RE, type Id, type IncludeTree, type Row, type Store } from "./store.js";

export class QueryError extends Error {}

const OPS = new Set([
  "exact",
  "iexact",
  "contains",
  "icontains",
  "startswith",
  "istartswith",
  "endswith",
  "iendswith",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "range",
  "isnull",
]);
const TEXT_OPS = new Set([
  "iexact",
  "contains",
  "icontains",
  "startswith",
  "istartswith",
  "endswith",
  "iendswith",
]);
const SORTABLE = new Set(["str", "int", "bool", "date", "datetime", "enum", "fk", "ifk"]);
const FILTERABLE = new Set(["str", "int", "bool", "date", "datetime", "enum", "tags"]);

/** What a filter path ends at, which decides how its values parse and compare. */
type LeafKind = "uuid" | "integer" | "anyid" | "str" | "int" | "bool" | "date" | "datetime";

interface Filter {
  key: string;
  path: string[];
  op: string;
  negate: boolean;
  kind: LeafKind;
  values: unknown[];
}

export interface ListQuery {
  filters: Filter[];
  sort: { field: string; desc: boolean }[];
  include: IncludeTree;
}

const idKind = (m: ModelDef): LeafKind => (m.idType === "integer" ? "integer" : "uuid");

function relationKind(f: FieldDef): LeafKind {
  return f.type.startsWith("ifk") ? "integer" : f.type === "anyid[]" ? "anyid" : "uuid";
}

function leafOf(store: Store, m: ModelDef, path: string[], key: string): LeafKind {
  let current = m;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (seg === "id") {
      if (!last) break;
      return idKind(current);
    }
    const f = current.fields.get(seg);
    if (!f) break;
    if (isRelation(f)) {
      if (last) return relationKind(f);
      if (!f.target) break;
      current = store.model(f.target);
      continue;
    }
    if (!last || !FILTERABLE.has(f.type)) break;
    return f.type === "enum" || f.type === "tags" ? "str" : (f.type as LeafKind);
  }
  throw new QueryError(`Invalid filter field: ${key}`);
}

function parseValue(kind: LeafKind, op: string, raw: string, key: string): unknown {
  const bad = (why: string) => new QueryError(`Invalid value for filter{${key}}: ${why}`);
  if (op === "isnull") {
    if (!/^(true|false|1|0)$/i.test(raw)) throw bad(`"${raw}" is not a valid boolean.`);
    return /^(true|1)$/i.test(raw);
  }
  if (TEXT_OPS.has(op)) return raw;
  switch (kind) {
    case "uuid":
      if (!UUID_RE.test(raw)) throw bad(`"${raw}" is not a valid UUID.`);
      return raw.toLowerCase();
    case "integer":
    case "int":
      if (!/^-?[0-9]+$/.test(raw)) throw bad(`"${raw}" is not a valid integer.`);
      return Number(raw);
    case "anyid":
      if (!UUID_RE.test(raw) && !/^[0-9]+$/.test(raw)) throw bad(`"${raw}" is not a valid id.`);
      return raw.toLowerCase();
    case "bool":
      if (!/^(true|false|1|0)$/i.test(raw)) throw bad(`"${raw}" is not a valid boolean.`);
      return /^(true|1)$/i.test(raw);
    case "date":
      if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(raw)) throw bad(`"${raw}" is not a valid date (YYYY-MM-DD).`);
      return raw;
    case "datetime":
      if (Number.isNaN(Date.parse(raw))) throw bad(`"${raw}" is not a valid date-time.`);
      return Date.parse(raw);
    default:
      return raw;
  }
}

/** Reads `filter{...}`, `sort[]` and `include[]` from the query string; throws QueryError. */
export function parseListQuery(store: Store, m: ModelDef, raw: URLSearchParams): ListQuery {
  const grouped = new Map<string, string[]>();
  const sorts: string[] = [];
  const includes: string[] = [];
  for (const [name, value] of raw) {
    const f = /^filter\{(.+)\}$/.exec(name);
    if (f) grouped.set(f[1]!, [...(grouped.get(f[1]!) ?? []), value]);
    else if (name === "sort[]" || name === "sort") sorts.push(...value.split(",").filter(Boolean));
    else if (name === "include[]" || name === "include") includes.push(...value.split(",").filter(Boolean));
  }
  const filters: Filter[] = [];
  for (const [key, values] of grouped) {
    const negate = key.startsWith("-");
    const segments = (negate ? key.slice(1) : key).split(".");
    const op = segments.length > 1 && OPS.has(segments.at(-1)!) ? segments.pop()! : "exact";
    const kind = leafOf(store, m, segments, key);
    const raws =
      op === "in" || op === "range" ? values.flatMap((v) => v.split(",")) : [values[values.length - 1]!];
    if (op === "range" && raws.length !== 2) throw new QueryError(`filter{${key}} needs two values`);
    filters.push({
      key,
      path: segments,
      op,
      negate,
      kind,
      values: raws.map((v) => parseValue(kind, op, v, key)),
    });
  }
  const sort = sorts.map((s) => {
    const desc = s.startsWith("-");
    const field = desc ? s.slice(1) : s;
    const f = m.fields.get(field);
    if (field !== "id" && !(f && SORTABLE.has(f.type))) throw new QueryError(`Invalid sort field: ${s}`);
    return { field, desc };
  });
  return { filters, sort, include: parseInclude(store, m, includes) };
}

export function parseInclude(store: Store, m: ModelDef, includes: string[]): IncludeTree {
  const root: IncludeTree = new Map();
  for (const value of includes) {
    const segments = value.replace(/\.\*$/, "").split(".");
    let node = root;
    let current = m;
    for (const seg of segments) {
      const f = current.fields.get(seg);
      if (!current.includable.has(seg) || !f || !isRelation(f)) {
        throw new QueryError(`"${seg}" is not a valid field name for "${current.model}".`);
      }
      let child = node.get(seg);
      if (!child) node.set(seg, (child = new Map()));
      node = child;
      if (!f.target) break;
      current = store.model(f.target);
    }
  }
  return root;
}

function valuesAt(store: Store, key: string, row: Row, path: string[]): unknown[] {
  const [seg, ...rest] = path;
  if (seg === "id") return [row.id];
  const m = store.model(key);
  const f = m.fields.get(seg!)!;
  const v = store.value(key, row, f);
  if (isRelation(f)) {
    const ids: Id[] = Array.isArray(v) ? v : v === null || v === undefined ? [] : [v];
    if (rest.length === 0 || (rest.length === 1 && rest[0] === "id")) return ids;
    return ids.flatMap((id) => {
      const r = store.get(f.target!, id);
      return r ? valuesAt(store, f.target!, r, rest) : [];
    });
  }
  return Array.isArray(v) ? v : [v];
}

function normalize(kind: LeafKind, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case "uuid":
    case "anyid":
      return idKey(v as Id);
    case "integer":
    case "int":
      return Number(v);
    case "datetime":
      return Date.parse(String(v));
    default:
      return v;
  }
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return String(a).localeCompare(String(b), "en");
}

function matches(filter: Filter, found: unknown[]): boolean {
  const present = found.filter((v) => v !== null && v !== undefined);
  const values = present.map((v) => normalize(filter.kind, v));
  const [first, second] = filter.values;
  const text = (pred: (v: string, q: string) => boolean, fold: boolean) =>
    present.some((v) => {
      const s = String(v);
      const q = String(first);
      return fold ? pred(s.toLowerCase(), q.toLowerCase()) : pred(s, q);
    });
  switch (filter.op) {
    case "isnull":
      return (values.length === 0) === first;
    case "exact":
      return values.some((v) => v === first);
    case "in":
      return values.some((v) => filter.values.includes(v));
    case "iexact":
      return text((s, q) => s === q, true);
    case "contains":
      return text((s, q) => s.includes(q), false);
    case "icontains":
      return text((s, q) => s.includes(q), true);
    case "startswith":
      return text((s, q) => s.startsWith(q), false);
    case "istartswith":
      return text((s, q) => s.startsWith(q), true);
    case "endswith":
      return text((s, q) => s.endsWith(q), false);
    case "iendswith":
      return text((s, q) => s.endsWith(q), true);
    case "gt":
      return values.some((v) => compare(v, first) > 0);
    case "gte":
      return values.some((v) => compare(v, first) >= 0);
    case "lt":
      return values.some((v) => compare(v, first) < 0);
    case "lte":
      return values.some((v) => compare(v, first) <= 0);
    case "range":
      return values.some((v) => compare(v, first) >= 0 && compare(v, second) <= 0);
    default:
      return false;
  }
}

/** Keeps the rows that pass every filter (AND). */
export function applyFilters(store: Store, key: string, rows: Row[], filters: Filter[]): Row[] {
  if (filters.length === 0) return rows;
  return rows.filter((row) =>
    filters.every((f) => matches(f, valuesAt(store, key, row, f.path)) !== f.negate),
  );
}

/** Sorts by each key in turn; nulls last ascending, first descending (PostgreSQL); stable otherwise. */
export function applySort(store: Store, key: string, rows: Row[], sort: ListQuery["sort"]): Row[] {
  if (sort.length === 0) return rows;
  const m = store.model(key);
  const keyed = rows.map((row, index) => ({
    row,
    index,
    keys: sort.map(({ field }) => {
      if (field === "id") return m.idType === "integer" ? Number(row.id) : String(row.id);
      const f = m.fields.get(field)!;
      const v = store.value(key, row, f);
      return f.type === "datetime" && v ? Date.parse(v) : v;
    }),
  }));
  keyed.sort((a, b) => {
    for (let i = 0; i < sort.length; i++) {
      const x = a.keys[i];
      const y = b.keys[i];
      const xNull = x === null || x === undefined;
      const yNull = y === null || y === undefined;
      const c = xNull ? (yNull ? 0 : 1) : yNull ? -1 : compare(x, y);
      if (c !== 0) return sort[i]!.desc ? -c : c;
    }
    return a.index - b.index;
  });
  return keyed.map((k) => k.row);
}
