/**
 * The query side of a model: its `filter{field.op}` object, its `sort[]` and `include[]` enums,
 * and the component parameters that carry them.
 * @module
 */
import type { Json, JsonObject } from "@sciportals/codegen/spec";
import { article, param, ref } from "./oas.js";
import { RELATIONS } from "./schemas.js";
import type { Field, FieldType, Model } from "./types.js";

/** The lookups text fields take (`filter{name.icontains}`). */
export const STRING_OPS = ["icontains", "iexact", "istartswith", "iendswith", "startswith", "endswith"];
/** The lookups numbers and dates take. */
export const RANGE_OPS = ["gt", "gte", "lt", "lte"];

/** What a filter needs to know of a field. */
type FilterField = Pick<Field, "name" | "type" | "enum">;

// An approval's own fields, filterable like the proposed ones.
const APPROVAL_FILTERS: FilterField[] = [
  { name: "status", type: "str" },
  { name: "action", type: "str" },
  { name: "instance_id", type: "fk" },
];

// Every value is a string: the wire format is `filter{key}=value`.
const str = (extra: JsonObject = {}): JsonObject => ({ type: "string", ...extra });

/** The filter keys of one field, `name` and its `name.op` forms, in order. */
function fieldFilters(f: FilterField): [string, JsonObject][] {
  const withOps = (ops: string[], schema: () => JsonObject): [string, JsonObject][] => [
    [f.name, schema()],
    ...ops.map((op): [string, JsonObject] => [`${f.name}.${op}`, schema()]),
  ];
  switch (f.type) {
    case "str":
    case "text":
      return withOps(STRING_OPS, () => str());
    case "enum":
      return [[f.name, str({ enum: [...(f.enum ?? [])] })]];
    case "int":
      return withOps(RANGE_OPS, () => str({ pattern: "^-?[0-9]+$" }));
    case "date":
    case "datetime": {
      const format = f.type === "date" ? "date" : "date-time";
      return withOps(RANGE_OPS, () => str({ format }));
    }
    case "bool":
      return [[f.name, str({ enum: ["true", "false"] })]];
    // Relations filter by `rel` and `rel.id` (py uses `projects.id`, `session.id`, `strain.id`).
    case "fk":
    case "fk[]":
      return withOps(["id"], () => str({ format: "uuid" }));
    case "ifk":
    case "ifk[]":
      return withOps(["id"], () => str({ pattern: "^[0-9]+$" }));
    case "anyid[]":
      return withOps(["id"], () => str());
    case "tags":
      return [[f.name, str()]];
    default:
      return []; // json, maps, links: not filterable
  }
}

/** `<Model>Filter`: the keys `filter{...}` accepts for the model. */
export function filterSchema(m: Model): JsonObject {
  const props: JsonObject = {};
  props.id = m.idType === "integer" ? str({ pattern: "^[0-9]+$" }) : str({ format: "uuid" });
  const fields: FilterField[] = m.kind === "approval" ? [...m.fields, ...APPROVAL_FILTERS] : [...m.fields];
  for (const f of fields) for (const [key, schema] of fieldFilters(f)) props[key] = schema;
  return {
    type: "object",
    description:
      `Filters for ${m.labelPlural}, sent as \`filter{field}=value\` or \`filter{field.op}=value\` ` +
      "(ops: icontains, iexact, istartswith, iendswith, startswith, endswith on text; gt, gte, lt, lte on numbers and dates). " +
      "Relations filter by id (`projects.id`). Several filters combine with AND. The keys listed are suggestions: " +
      "dynamic-rest accepts any `field.lookup` (a deeper relation, another lookup), so any key with a string value passes.",
    properties: props,
    additionalProperties: { type: "string" },
  };
}

// Only documented scalar fields sort: a relation sorts by its id.
const SORTABLE = new Set<FieldType>(["str", "text", "enum", "int", "bool", "date", "datetime", "fk", "ifk"]);

/** `<Model>SortField`: each sortable field and its descending `-` form. */
export function sortSchema(m: Model): JsonObject {
  const names = ["id", ...m.fields.filter((f) => SORTABLE.has(f.type)).map((f) => f.name)];
  if (m.kind === "approval") names.push("status", "action");
  return {
    type: "string",
    description: `A field to sort ${m.labelPlural} by; prefix \`-\` for descending order.`,
    enum: names.flatMap((n) => [n, `-${n}`]),
  };
}

/** `<Model>Include`: the model's relations as `rel` and `rel.*`, or null when it has none. */
export function includeSchema(m: Model): JsonObject | null {
  const rels = m.fields.filter((f) => RELATIONS.has(f.type)).map((f) => f.name);
  if (!rels.length) return null;
  return {
    type: "string",
    description: `A relation of ${article(m.label)} to return as full records instead of ids. The official clients send \`rel.*\`.`,
    enum: rels.flatMap((n) => [n, `${n}.*`]),
  };
}

/** The model's filter, sort and include parameters. They live in components: private and public operations share them. */
export function modelQueryParams(m: Model): JsonObject {
  const out: JsonObject = {
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
  if (includeSchema(m)) {
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

/** The `include` parameter of the model's operations: its own enum, or the free-form shared one. */
export const includeParamRef = (m: Model): JsonObject =>
  param(includeSchema(m) ? `${m.name}IncludeQuery` : "IncludeQuery");

/** The parameters of a list operation. */
export function listParams(m: Model): Json[] {
  return [
    param(`${m.name}FilterQuery`),
    param(`${m.name}SortQuery`),
    includeParamRef(m),
    param("Limit"),
    param("Offset"),
  ];
}
