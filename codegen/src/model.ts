import { operationParams } from "./extensions.js";
import { deref, HTTP_METHODS, isObject, type Json, type JsonObject } from "./spec.js";

/** A parameter as core checks and serializes it (see core's `ParamMeta`). */
export interface ParamModel {
  name: string;
  in: "path" | "query" | "header" | "body";
  required?: boolean;
  type?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: (string | number | boolean)[];
  items?: {
    type?: string;
    enum?: (string | number | boolean)[];
    pattern?: string;
    minimum?: number;
    maximum?: number;
  };
  serialize?: "csv" | "brackets" | "braces" | "form";
}

export interface OperationModel {
  id: string;
  method: string;
  path: string;
  summary: string | undefined;
  description: string | undefined;
  deprecated: boolean;
  provenance: string;
  security: string[][] | undefined;
  idempotent: boolean | undefined;
  params: ParamModel[];
  /** Constraints on the request body's fields. */
  bodyParams: ParamModel[];
  /** True when the call must be given an input object (a required parameter or body). */
  inputRequired: boolean;
  parseAs: "text" | "stream" | undefined;
  bodyType: "multipart" | "form" | "binary" | undefined;
  pagination: JsonObject | undefined;
  transfer: JsonObject | undefined;
  waiter: JsonObject | undefined;
}

export interface SchemeModel {
  name: string;
  header: string;
  prefix: string;
  option: string | undefined;
  env: string | undefined;
  help: string | undefined;
  description: string | undefined;
  /** For an apiKey-in-cookie scheme, the cookie's name. */
  cookie: string | undefined;
  /** `x-sciportals-session`, with its operations still named by id. */
  session: JsonObject | undefined;
  /** `x-sciportals-device-flow`, with its operations still named by id. */
  deviceFlow: JsonObject | undefined;
}

export interface PortalModel {
  specFile: string;
  packageName: string;
  /** PascalCase stem: Stomics. */
  name: string;
  title: string;
  description: string | undefined;
  baseUrl: string;
  baseUrlEnv: string | undefined;
  rateLimit: { limit: number; intervalMs: number } | undefined;
  security: string[][] | undefined;
  schemes: SchemeModel[];
  operations: OperationModel[];
}

/** Members every client has; an operation cannot take their names. */
const RESERVED = new Set([
  "auth",
  "paginate",
  "download",
  "upload",
  "head",
  "waitFor",
  "title",
  "baseUrl",
  "use",
  "eject",
  "toJSON",
]);

function securityOf(value: Json | undefined): string[][] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((requirement) => (isObject(requirement) ? Object.keys(requirement) : []));
}

function defaultServerUrl(document: JsonObject, file: string): string {
  const servers = document.servers;
  const first = Array.isArray(servers) ? servers[0] : undefined;
  if (!isObject(first) || typeof first.url !== "string")
    throw new Error(`${file}: servers[0].url is required (the default base URL)`);
  let url = first.url;
  const variables = isObject(first.variables) ? first.variables : {};
  url = url.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const variable = variables[name];
    if (!isObject(variable) || typeof variable.default !== "string")
      throw new Error(`${file}: server variable ${name} has no default`);
    return variable.default;
  });
  if (!/^https?:\/\//.test(url)) throw new Error(`${file}: servers[0].url must be absolute (got ${url})`);
  return url.replace(/\/+$/, "");
}

function scalarType(schema: JsonObject): string | undefined {
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return type.find((t) => t !== "null") as string | undefined;
  return undefined;
}

function paramModel(document: JsonObject, param: JsonObject): ParamModel | undefined {
  const location = param.in;
  if (location !== "path" && location !== "query" && location !== "header" && location !== "body")
    return undefined;
  const schema = deref(document, param.schema);
  const s = isObject(schema) ? schema : {};
  const model: ParamModel = { name: String(param.name), in: location };
  if (param.required === true) model.required = true;
  const type = scalarType(s);
  if (type) model.type = type;
  if (typeof s.minimum === "number") model.minimum = s.minimum;
  if (typeof s.maximum === "number") model.maximum = s.maximum;
  if (typeof s.minLength === "number") model.minLength = s.minLength;
  if (typeof s.maxLength === "number") model.maxLength = s.maxLength;
  if (typeof s.pattern === "string") model.pattern = s.pattern;
  if (Array.isArray(s.enum)) model.enum = s.enum.filter((v) => v !== null) as (string | number | boolean)[];
  if (type === "array") {
    const items = deref(document, s.items);
    if (isObject(items)) {
      const itemModel: NonNullable<ParamModel["items"]> = {};
      const itemType = scalarType(items);
      if (itemType) itemModel.type = itemType;
      if (Array.isArray(items.enum))
        itemModel.enum = items.enum.filter((v) => v !== null) as (string | number | boolean)[];
      if (typeof items.pattern === "string") itemModel.pattern = items.pattern;
      if (typeof items.minimum === "number") itemModel.minimum = items.minimum;
      if (typeof items.maximum === "number") itemModel.maximum = items.maximum;
      if (Object.keys(itemModel).length) model.items = itemModel;
    }
    if (
      location === "query" &&
      param.explode === false &&
      (param.style === undefined || param.style === "form")
    )
      model.serialize = "csv";
  }
  // An object in OpenAPI's default query style (form, exploded) sends each of its keys as a
  // parameter of its own; openapi-fetch would send deepObject (`name[key]=v`) instead.
  if (
    location === "query" &&
    type === "object" &&
    param.explode !== false &&
    (param.style === undefined || param.style === "form")
  )
    model.serialize = "form";
  const serialize = param["x-sciportals-serialize"];
  if (serialize === "braces" || serialize === "brackets") model.serialize = serialize;
  return model;
}

/** Properties of an object schema, through $ref and allOf. */
function propertiesOf(
  document: JsonObject,
  schema: unknown,
  into: Record<string, JsonObject> = {},
): Record<string, JsonObject> {
  const resolved = deref(document, schema as JsonObject);
  if (!isObject(resolved)) return into;
  if (isObject(resolved.properties)) {
    for (const [name, raw] of Object.entries(resolved.properties)) {
      const property = deref(document, raw);
      if (isObject(property)) into[name] = property;
    }
  }
  if (Array.isArray(resolved.allOf)) for (const part of resolved.allOf) propertiesOf(document, part, into);
  return into;
}

/**
 * Constraints on the request body's top-level fields (a pattern, bounds, an enum), so that core
 * can reject a bad field before sending. Types already cover which fields exist and are required.
 */
function bodyParamsOf(document: JsonObject, op: JsonObject): ParamModel[] {
  const body = deref(document, op.requestBody);
  if (!isObject(body) || !isObject(body.content)) return [];
  const media = Object.entries(body.content).find(([type]) =>
    ["application/json", "multipart/form-data", "application/x-www-form-urlencoded"].includes(type),
  );
  if (!media || !isObject(media[1])) return [];
  const params: ParamModel[] = [];
  for (const [name, schema] of Object.entries(propertiesOf(document, media[1].schema))) {
    const model = paramModel(document, { name, in: "body", schema } as JsonObject);
    if (!model) continue;
    const { name: _n, in: _i, type: _t, ...rules } = model;
    if (Object.keys(rules).length > 0) params.push(model);
  }
  return params;
}

function parseAsOf(document: JsonObject, op: JsonObject): OperationModel["parseAs"] {
  const responses = isObject(op.responses) ? op.responses : {};
  const media = new Set<string>();
  for (const [status, raw] of Object.entries(responses)) {
    if (!/^2\d\d$/.test(status)) continue;
    const response = deref(document, raw);
    if (isObject(response) && isObject(response.content))
      for (const type of Object.keys(response.content)) media.add(type);
  }
  if (media.size === 0) return undefined;
  if ([...media].some((m) => m === "application/json" || m.endsWith("+json"))) return undefined;
  if ([...media].every((m) => m.startsWith("text/"))) return "text";
  return "stream";
}

function bodyTypeOf(
  document: JsonObject,
  op: JsonObject,
): { bodyType: OperationModel["bodyType"]; required: boolean } {
  const body = deref(document, op.requestBody);
  if (!isObject(body) || !isObject(body.content)) return { bodyType: undefined, required: false };
  const types = Object.keys(body.content);
  const required = body.required === true;
  if (types.some((t) => t === "application/json" || t.endsWith("+json")))
    return { bodyType: undefined, required };
  if (types.includes("multipart/form-data")) return { bodyType: "multipart", required };
  if (types.includes("application/x-www-form-urlencoded")) return { bodyType: "form", required };
  return { bodyType: "binary", required };
}

/** Turns a validated spec into what the emitters need. */
export function buildModel(document: JsonObject, specFile: string): PortalModel {
  const root = document["x-sciportals"] as JsonObject;
  const info = isObject(document.info) ? document.info : {};
  const rate = isObject(root.rateLimit) ? root.rateLimit : undefined;
  const schemes: SchemeModel[] = [];
  const rawSchemes =
    isObject(document.components) && isObject(document.components.securitySchemes)
      ? document.components.securitySchemes
      : {};
  for (const [name, raw] of Object.entries(rawSchemes)) {
    const scheme = deref(document, raw);
    if (!isObject(scheme)) continue;
    const credential = isObject(scheme["x-sciportals-credential"])
      ? scheme["x-sciportals-credential"]
      : undefined;
    const session = isObject(scheme["x-sciportals-session"]) ? scheme["x-sciportals-session"] : undefined;
    const deviceFlow = isObject(scheme["x-sciportals-device-flow"])
      ? scheme["x-sciportals-device-flow"]
      : undefined;
    const cookie = scheme.type === "apiKey" && scheme.in === "cookie" ? String(scheme.name) : undefined;
    if (!credential && !session && !deviceFlow && !cookie) continue;
    const bearer = scheme.type === "http";
    schemes.push({
      name,
      header: cookie ? "Cookie" : bearer ? "Authorization" : String(scheme.name),
      prefix: typeof credential?.prefix === "string" ? credential.prefix : bearer ? "Bearer " : "",
      option: typeof credential?.option === "string" ? credential.option : undefined,
      env: typeof credential?.env === "string" ? credential.env : undefined,
      help: typeof credential?.help === "string" ? credential.help : undefined,
      description: typeof scheme.description === "string" ? scheme.description : undefined,
      cookie,
      session,
      deviceFlow,
    });
  }

  const rootSecurity = securityOf(document.security);
  const operations: OperationModel[] = [];
  const seen = new Set<string>();
  for (const [path, rawItem] of Object.entries(isObject(document.paths) ? document.paths : {})) {
    const item = deref(document, rawItem);
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const id = op.operationId;
      if (typeof id !== "string" || !/^[a-z][A-Za-z0-9]*$/.test(id)) {
        throw new Error(
          `${specFile}: ${method.toUpperCase()} ${path}: operationId must be camelCase (got ${String(id)})`,
        );
      }
      if (seen.has(id)) throw new Error(`${specFile}: duplicate operationId ${id}`);
      if (RESERVED.has(id))
        throw new Error(`${specFile}: operationId ${id} would hide the client's own ${id}; rename it`);
      seen.add(id);
      const params = operationParams(document, item, op)
        .map((p) => paramModel(document, p))
        .filter((p): p is ParamModel => p !== undefined);
      const { bodyType, required: bodyRequired } = bodyTypeOf(document, op);
      operations.push({
        id,
        method: method.toUpperCase(),
        path,
        summary: typeof op.summary === "string" ? op.summary : undefined,
        description: typeof op.description === "string" ? op.description : undefined,
        deprecated: op.deprecated === true,
        provenance: String(op["x-sciportals-provenance"]),
        security: op.security !== undefined ? securityOf(op.security) : rootSecurity,
        idempotent:
          typeof op["x-sciportals-idempotent"] === "boolean" ? op["x-sciportals-idempotent"] : undefined,
        params,
        bodyParams: bodyParamsOf(document, op),
        inputRequired: bodyRequired || params.some((p) => p.required),
        parseAs: parseAsOf(document, op),
        bodyType,
        pagination: isObject(op["x-sciportals-pagination"]) ? op["x-sciportals-pagination"] : undefined,
        transfer: isObject(op["x-sciportals-transfer"]) ? op["x-sciportals-transfer"] : undefined,
        waiter: isObject(op["x-sciportals-waiter"]) ? op["x-sciportals-waiter"] : undefined,
      });
    }
  }

  return {
    specFile,
    packageName: String(root.package),
    name: String(root.name),
    title: String(root.title),
    description:
      typeof info.summary === "string"
        ? info.summary
        : typeof info.title === "string"
          ? info.title
          : undefined,
    baseUrl: defaultServerUrl(document, specFile),
    baseUrlEnv: typeof root.baseUrlEnv === "string" ? root.baseUrlEnv : undefined,
    rateLimit: rate
      ? { limit: Number(rate.limit), intervalMs: Number(rate.intervalSeconds) * 1000 }
      : undefined,
    security: rootSecurity,
    schemes,
    operations,
  };
}
