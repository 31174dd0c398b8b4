import type { OperationDocs, OperationMeta, ParamMeta } from "@sciportals/core";
import type { ToolKind } from "./operations.js";

/** A JSON Schema object, as MCP's `tools/list` carries it. */
export interface JsonSchema {
  [keyword: string]: unknown;
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: readonly (string | number | boolean)[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  additionalProperties?: boolean;
}

/** Arguments the server adds to some tools; an operation parameter of the same name is renamed. */
export const CONTINUATION = "continuationToken";
/** The download tool's argument naming the file inside the download directory. */
export const FILE_NAME = "fileName";
/** The request body, as one object argument. */
export const BODY = "body";
const RESERVED = new Set([CONTINUATION, FILE_NAME, BODY]);

/** A tool's input schema and the map from its argument names back to the operation's parameters. */
export interface ToolInput {
  schema: JsonSchema & { type: "object" };
  /** Tool argument name → the parameter it fills (path, query or header). */
  targets: Map<string, ParamMeta>;
  /** Whether the tool takes a `body` argument. */
  hasBody: boolean;
}

function paramSchema(param: ParamMeta, description: string | undefined): JsonSchema {
  const schema: JsonSchema = {};
  if (param.type) schema.type = param.type;
  if (description) schema.description = description;
  if (param.enum) schema.enum = param.enum;
  if (param.minimum !== undefined) schema.minimum = param.minimum;
  if (param.maximum !== undefined) schema.maximum = param.maximum;
  if (param.minLength !== undefined) schema.minLength = param.minLength;
  if (param.maxLength !== undefined) schema.maxLength = param.maxLength;
  if (param.pattern !== undefined) schema.pattern = param.pattern;
  if (param.items) {
    const { type, enum: values, pattern, minimum, maximum } = param.items;
    schema.items = {
      ...(type && { type }),
      ...(values && { enum: values }),
      ...(pattern !== undefined && { pattern }),
      ...(minimum !== undefined && { minimum }),
      ...(maximum !== undefined && { maximum }),
    };
  }
  return schema;
}

/** The parameter a list tool must not take: the page position, which the continuation token carries. */
function positionParam(meta: OperationMeta): string | undefined {
  const p = meta.pagination;
  if (!p) return undefined;
  return p.style === "page" ? p.page : p.style === "offset" ? p.offset : p.cursor;
}

/**
 * Builds a tool's JSON Schema from the operation's parameter metadata and docs: path, query and
 * header parameters as top-level arguments, body fields under one `body` object, plus
 * `continuationToken` for list tools and `fileName` for downloads.
 */
export function toolInput(meta: OperationMeta, docs: OperationDocs | undefined, kind: ToolKind): ToolInput {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const targets = new Map<string, ParamMeta>();
  const bodyProperties: Record<string, JsonSchema> = {};
  const bodyRequired: string[] = [];
  const position = positionParam(meta);
  for (const param of meta.params ?? []) {
    const description = docs?.params?.[param.name];
    if (param.in === "body") {
      bodyProperties[param.name] = paramSchema(param, description);
      if (param.required) bodyRequired.push(param.name);
      continue;
    }
    if (kind === "list" && param.in === "query" && param.name === position) continue;
    // Two parameters of one name (a path `id` and a query `id`), or one named like an argument the
    // server adds: the later one is prefixed with where it goes.
    const name =
      targets.has(param.name) || RESERVED.has(param.name) ? `${param.in}_${param.name}` : param.name;
    properties[name] = paramSchema(param, description);
    targets.set(name, param);
    if (param.required) required.push(name);
  }
  const hasBody =
    Object.keys(bodyProperties).length > 0 ||
    meta.method === "POST" ||
    meta.method === "PUT" ||
    meta.method === "PATCH";
  if (hasBody) {
    properties[BODY] = {
      type: "object",
      description: "The request body, as a JSON object.",
      ...(Object.keys(bodyProperties).length > 0 && { properties: bodyProperties }),
      ...(bodyRequired.length > 0 && { required: bodyRequired }),
    };
    if (bodyRequired.length > 0) required.push(BODY);
  }
  if (kind === "list") {
    properties[CONTINUATION] = {
      type: "string",
      description:
        "Where to continue: the continuationToken of the previous page's result. Omit for the first page.",
    };
  }
  if (kind === "download") {
    properties[FILE_NAME] = {
      type: "string",
      description:
        "The file's name inside the download directory (no path separators, no `..`). Default: derived from the arguments.",
    };
  }
  return {
    schema: { type: "object", properties, ...(required.length > 0 && { required }) },
    targets,
    hasBody,
  };
}
