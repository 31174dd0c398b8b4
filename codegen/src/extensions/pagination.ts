import type { PaginationMeta } from "../../../packages/core/src/operation.js";
import { isObject } from "../spec/json.js";
import { schemaAtPath, schemaIsArray } from "../spec/walk.js";
import { asObject, checkFields, type FieldType } from "./fields.js";
import type { Extension } from "./types.js";

const REQUIRED: Record<string, Record<string, FieldType>> = {
  page: { style: "string", items: "string", page: "string" },
  offset: { style: "string", items: "string", offset: "string" },
  cursor: { style: "string", items: "string", cursor: "string", nextCursor: "string" },
};

/** `x-sciportals-pagination`: how to walk an operation's pages; it is core's {@link PaginationMeta}. */
export const pagination: Extension<PaginationMeta> = {
  key: "x-sciportals-pagination",
  place: "operation",
  check(value, { at, document, params = [], success }) {
    if (!isObject(value)) return [`${at}: must be an object`];
    const style = value.style;
    const problems: string[] = [];
    if (style !== "page" && style !== "offset" && style !== "cursor")
      problems.push(`${at}/style: must be page, offset or cursor`);
    problems.push(
      ...checkFields(value, at, REQUIRED[String(style)] ?? { style: "string", items: "string" }, {
        page: "string",
        offset: "string",
        cursor: "string",
        nextCursor: "string",
        size: "string",
        total: "string",
        firstPage: "number",
        exhausted: "string",
      }),
    );
    const queryNames = new Set(params.filter((p) => p.in === "query").map((p) => String(p.name)));
    for (const key of ["page", "offset", "cursor", "size"]) {
      const name = value[key];
      if (typeof name === "string" && !queryNames.has(name))
        problems.push(`${at}/${key}: no query parameter "${name}"`);
    }
    if (success === undefined) return problems;
    for (const key of ["items", "total", "nextCursor", "exhausted"]) {
      const field = value[key];
      if (typeof field === "string" && schemaAtPath(document, success, field) === undefined)
        problems.push(`${at}/${key}: the success response has no field "${field}"`);
    }
    if (typeof value.items === "string") {
      const items = schemaAtPath(document, success, value.items);
      if (items !== undefined && !schemaIsArray(document, items))
        problems.push(`${at}/items: "${value.items}" is not an array`);
    }
    return problems;
  },
  read: (value) => asObject<PaginationMeta>(value),
};
