import type { ParamMeta, UploadMeta } from "../../packages/core/src/operation.js";
import {
  credential as credentialExt,
  deviceFlow as deviceFlowExt,
  idempotent as idempotentExt,
  pagination as paginationExt,
  provenance as provenanceExt,
  readExtension,
  root as rootExt,
  serialize as serializeExt,
  session as sessionExt,
  transfer as transferExt,
  waiter as waiterExt,
} from "./extensions/index.js";
import { rateLimitOf } from "./extensions/root.js";
import type { DeviceFlowExtension } from "./extensions/device-flow.js";
import type { SessionExtension } from "./extensions/session.js";
import type { DownloadExtension } from "./extensions/transfer.js";
import type { PaginationMeta, WaiterMeta } from "../../packages/core/src/operation.js";
import { pascalCase, words, type NamingReport, type OperationName } from "./naming.js";
import { isObject, objectAt, stringAt, type Json, type JsonObject } from "./spec/json.js";
import { deref } from "./spec/refs.js";
import { isBinarySchema, isJsonMedia, operationParams, type OperationSite } from "./spec/walk.js";

/** A parameter as core checks and serializes it: core's own {@link ParamMeta}. */
export type ParamModel = ParamMeta & { enum?: (string | number | boolean)[] };

export interface OperationModel {
  /** The method name: the operationId normalised to camelCase. */
  id: string;
  /** The spec's operationId, where it differs from {@link id} or is missing (undefined). */
  operationId: string | undefined;
  method: string;
  path: string;
  summary: string | undefined;
  description: string | undefined;
  /** The spec's tags, for grouping in help and docs. */
  tags: string[];
  /** Each parameter's description, by name (path, query, header). */
  paramDocs: Record<string, string>;
  deprecated: boolean;
  provenance: string | undefined;
  security: string[][] | undefined;
  idempotent: boolean | undefined;
  params: ParamModel[];
  /** Constraints on the request body's fields. */
  bodyParams: ParamModel[];
  /** True when the call must be given an input object (a required parameter or body). */
  inputRequired: boolean;
  parseAs: "text" | "stream" | undefined;
  bodyType: "multipart" | "form" | "binary" | undefined;
  pagination: PaginationMeta | undefined;
  transfer: DownloadExtension | UploadMeta | undefined;
  waiter: WaiterMeta | undefined;
}

export interface SchemeModel {
  name: string;
  header: string;
  prefix: string;
  option: string | undefined;
  env: string | undefined;
  help: string | undefined;
  /** `x-sciportals-credential.tokenFile`: the portal's own token file, for `tokenStore: "file"`. */
  tokenFile: string | undefined;
  description: string | undefined;
  /** For an apiKey-in-cookie scheme, the cookie's name. */
  cookie: string | undefined;
  /** For an apiKey-in-query scheme, the query parameter's name. */
  query: string | undefined;
  /** `x-sciportals-session`, its operations named by method name. */
  session: SessionExtension | undefined;
  /** `x-sciportals-device-flow`, its operations named by method name. */
  deviceFlow: DeviceFlowExtension | undefined;
}

export interface PortalModel {
  specFile: string;
  packageName: string;
  /** PascalCase stem: Stomics. */
  name: string;
  title: string;
  description: string | undefined;
  /** Default base URL; empty when the spec has no absolute server (the user must pass `baseUrl`). */
  baseUrl: string;
  baseUrlEnv: string | undefined;
  rateLimit: { limit: number; intervalMs: number } | undefined;
  security: string[][] | undefined;
  schemes: SchemeModel[];
  operations: OperationModel[];
  /** What a maintainer should know: renamed operations, skipped schemes, a missing server. */
  notes: string[];
}

function securityOf(value: Json | undefined): string[][] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((requirement) => (isObject(requirement) ? Object.keys(requirement) : []));
}

function defaultServerUrl(document: JsonObject, notes: string[]): string {
  const servers = document.servers;
  const first = Array.isArray(servers) ? servers[0] : undefined;
  if (!isObject(first) || typeof first.url !== "string") {
    notes.push("the spec has no servers[0].url: users must pass `baseUrl`");
    return "";
  }
  const variables = objectAt(first, "variables");
  const url = first.url.replace(
    /\{([^}]+)\}/g,
    (_, name: string) => stringAt(variables[name], "default") ?? `{${name}}`,
  );
  if (!/^https?:\/\/[^{}]+$/.test(url)) {
    notes.push(`servers[0].url ${url} is not an absolute URL: users must pass \`baseUrl\``);
    return "";
  }
  return url.replace(/\/+$/, "");
}

function scalarType(schema: JsonObject): ParamMeta["type"] | undefined {
  if (isBinarySchema(schema)) return undefined;
  const type = schema.type;
  const found =
    typeof type === "string" ? type : Array.isArray(type) ? type.find((t) => t !== "null") : undefined;
  return ["string", "integer", "number", "boolean", "array", "object"].includes(String(found))
    ? (found as ParamMeta["type"])
    : undefined;
}

const scalars = (list: Json[]) =>
  list.filter((v): v is string | number | boolean => v !== null && typeof v !== "object");

/**
 * Bounds as core enforces them (inclusive). An exclusive bound (3.0's boolean form or 3.1's
 * number) becomes the next integer for integers and is left to the server otherwise: refusing
 * a value the portal would accept is worse than sending one it refuses.
 */
function bounds(s: JsonObject, type: string | undefined): Pick<ParamMeta, "minimum" | "maximum"> {
  const out: Pick<ParamMeta, "minimum" | "maximum"> = {};
  const integer = type === "integer";
  const lower = typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum : undefined;
  const upper = typeof s.exclusiveMaximum === "number" ? s.exclusiveMaximum : undefined;
  if (typeof s.minimum === "number") {
    if (s.exclusiveMinimum !== true) out.minimum = s.minimum;
    else if (integer) out.minimum = Math.floor(s.minimum) + 1;
  }
  if (lower !== undefined && integer) out.minimum = Math.max(out.minimum ?? -Infinity, Math.floor(lower) + 1);
  if (typeof s.maximum === "number") {
    if (s.exclusiveMaximum !== true) out.maximum = s.maximum;
    else if (integer) out.maximum = Math.ceil(s.maximum) - 1;
  }
  if (upper !== undefined && integer) out.maximum = Math.min(out.maximum ?? Infinity, Math.ceil(upper) - 1);
  return out;
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
  Object.assign(model, bounds(s, type));
  if (typeof s.minLength === "number") model.minLength = s.minLength;
  if (typeof s.maxLength === "number") model.maxLength = s.maxLength;
  if (typeof s.pattern === "string") model.pattern = s.pattern;
  if (Array.isArray(s.enum)) model.enum = scalars(s.enum);
  if (type === "array") {
    const items = deref(document, s.items);
    if (isObject(items)) {
      const itemType = scalarType(items);
      const itemModel: NonNullable<ParamMeta["items"]> = {};
      if (itemType) itemModel.type = itemType;
      Object.assign(itemModel, bounds(items, itemType));
      if (Array.isArray(items.enum)) itemModel.enum = scalars(items.enum);
      if (typeof items.pattern === "string") itemModel.pattern = items.pattern;
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
  const serialize = readExtension(param, serializeExt);
  if (serialize) model.serialize = serialize;
  return model;
}

/** Properties of an object schema, through $ref and allOf. */
function propertiesOf(
  document: JsonObject,
  schema: Json | undefined,
  into: Record<string, JsonObject> = {},
  seen = new Set<Json>(),
): Record<string, JsonObject> {
  const resolved = deref(document, schema);
  if (!isObject(resolved) || seen.has(resolved)) return into;
  seen.add(resolved);
  for (const [name, raw] of Object.entries(objectAt(resolved, "properties"))) {
    const property = deref(document, raw);
    if (isObject(property)) into[name] = property;
  }
  if (Array.isArray(resolved.allOf))
    for (const part of resolved.allOf) propertiesOf(document, part, into, seen);
  return into;
}

/**
 * Constraints on the request body's top-level fields (a pattern, bounds, an enum), so that core
 * can reject a bad field before sending. Types already cover which fields exist and are required.
 */
function bodyParamsOf(document: JsonObject, op: JsonObject): ParamModel[] {
  const body = deref(document, op.requestBody);
  const media = Object.entries(objectAt(body, "content")).find(([type]) =>
    ["application/json", "multipart/form-data", "application/x-www-form-urlencoded"].includes(type),
  );
  if (!media || !isObject(media[1])) return [];
  const params: ParamModel[] = [];
  for (const [name, schema] of Object.entries(propertiesOf(document, media[1].schema))) {
    const model = paramModel(document, { name, in: "body", schema });
    if (!model) continue;
    const { name: _n, in: _i, type: _t, ...rules } = model;
    if (Object.keys(rules).length > 0) params.push(model);
  }
  return params;
}

/** How to read the success body: JSON (undefined), text, or a stream for anything else. */
function parseAsOf(document: JsonObject, op: JsonObject): OperationModel["parseAs"] {
  const responses = objectAt(op, "responses");
  const statuses = Object.keys(responses).filter((s) => /^2(\d\d|XX)$/i.test(s));
  // An operation documented only by `default` succeeds with that response's body.
  if (statuses.length === 0 && responses.default !== undefined) statuses.push("default");
  const media = new Set<string>();
  for (const status of statuses)
    for (const type of Object.keys(objectAt(deref(document, responses[status]), "content"))) media.add(type);
  if (media.size === 0) return undefined;
  if ([...media].some(isJsonMedia)) return undefined;
  if ([...media].every((m) => m.startsWith("text/"))) return "text";
  return "stream";
}

function bodyTypeOf(
  document: JsonObject,
  op: JsonObject,
): { bodyType: OperationModel["bodyType"]; required: boolean } {
  const body = deref(document, op.requestBody);
  const types = Object.keys(objectAt(body, "content"));
  const required = isObject(body) && body.required === true;
  if (types.length === 0 || types.some(isJsonMedia)) return { bodyType: undefined, required };
  if (types.includes("multipart/form-data")) return { bodyType: "multipart", required };
  if (types.includes("application/x-www-form-urlencoded")) return { bodyType: "form", required };
  return { bodyType: "binary", required };
}

const envStem = (name: string) => words(name).join("_").toUpperCase();

/**
 * A scheme's credential: from `x-sciportals-credential`, or defaults for a spec without it:
 * `apiKey` for an API key in a header, `token` for http bearer, `accessToken` for OAuth 2 and
 * OpenID Connect (a bearer token the user obtained). An API key in the query is sent there.
 * Basic auth and cookies are not supported as static credentials; the user may still pass headers.
 */
function schemeModels(document: JsonObject, portalName: string, notes: string[]): SchemeModel[] {
  const models: SchemeModel[] = [];
  const used = new Set<string>();
  for (const [name, raw] of Object.entries(objectAt(document.components, "securitySchemes"))) {
    const scheme = deref(document, raw);
    if (!isObject(scheme)) continue;
    const credential = readExtension(scheme, credentialExt);
    const session = readExtension(scheme, sessionExt);
    const deviceFlow = readExtension(scheme, deviceFlowExt);
    const cookie = scheme.type === "apiKey" && scheme.in === "cookie" ? String(scheme.name) : undefined;
    const query = scheme.type === "apiKey" && scheme.in === "query" ? String(scheme.name) : undefined;
    const bearer = scheme.type === "http" || scheme.type === "oauth2" || scheme.type === "openIdConnect";
    const isBearer = bearer && (scheme.type !== "http" || String(scheme.scheme).toLowerCase() === "bearer");
    let option = credential?.option;
    let env = credential?.env;
    if (!credential && !session && !deviceFlow && !cookie) {
      const header = scheme.type === "apiKey" && (scheme.in === "header" || scheme.in === "query");
      if (!header && !isBearer) {
        notes.push(
          `security scheme ${name} (${String(scheme.type)} ${String(scheme.scheme ?? scheme.in ?? "")}) is not supported; pass its header with \`headers\``.replace(
            " )",
            ")",
          ),
        );
        continue;
      }
      const base = header ? "apiKey" : scheme.type === "http" ? "token" : "accessToken";
      option = used.has(base) ? `${base}${pascalCase(name)}` : base;
      env = `${envStem(portalName)}_${envStem(option)}`;
    }
    if (option) used.add(option);
    models.push({
      name,
      header: cookie ? "Cookie" : bearer ? "Authorization" : String(scheme.name),
      prefix: credential?.prefix ?? (bearer ? "Bearer " : ""),
      option,
      env,
      help: credential?.help,
      tokenFile: credential?.tokenFile,
      description: stringAt(scheme, "description"),
      cookie,
      query,
      session,
      deviceFlow,
    });
  }
  return models;
}

/** What buildModel needs besides the document. */
export interface ModelInput {
  /** The package folder's name (`genestack-odm`): the default package and type names. */
  folder: string;
  specFile: string;
  /** Every operation, in document order, with the method name naming gave it. */
  sites: readonly OperationSite[];
  names: readonly OperationName[];
  naming: NamingReport;
}

/** Turns a validated spec into what the emitters need. */
export function buildModel(document: JsonObject, input: ModelInput): PortalModel {
  const root = readExtension(document, rootExt) ?? {};
  const info = objectAt(document, "info");
  const notes: string[] = [];
  const name = root.name ?? pascalCase(input.folder);
  const byId = new Map<string, string>();
  input.sites.forEach(({ op }, i) => {
    if (typeof op.operationId === "string") byId.set(op.operationId, input.names[i]!.name);
  });
  const rename = (id: string) => byId.get(id) ?? id;
  const schemes = schemeModels(document, name, notes).map((s) => ({
    ...s,
    session: s.session && {
      ...s.session,
      login: rename(s.session.login),
      refresh: rename(s.session.refresh),
    },
    deviceFlow: s.deviceFlow && {
      ...s.deviceFlow,
      start: rename(s.deviceFlow.start),
      poll: rename(s.deviceFlow.poll),
    },
  }));

  const rootSecurity = securityOf(document.security);
  const operations = input.sites.map(({ path, method, item, op }, i): OperationModel => {
    const params = operationParams(document, item, op)
      .map((p) => paramModel(document, p))
      .filter((p): p is ParamModel => p !== undefined);
    const { bodyType, required: bodyRequired } = bodyTypeOf(document, op);
    const { name: id, operationId } = input.names[i]!;
    return {
      id,
      operationId: operationId === id ? undefined : operationId,
      method: method.toUpperCase(),
      path,
      summary: stringAt(op, "summary"),
      tags: Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === "string") : [],
      paramDocs: Object.fromEntries(
        operationParams(document, item, op)
          .filter((p) => typeof p.description === "string")
          .map((p) => [String(p.name), String(p.description).trim()]),
      ),
      description: stringAt(op, "description"),
      deprecated: op.deprecated === true,
      provenance: readExtension(op, provenanceExt),
      security: op.security !== undefined ? securityOf(op.security) : rootSecurity,
      idempotent: readExtension(op, idempotentExt),
      params,
      bodyParams: bodyParamsOf(document, op),
      inputRequired: bodyRequired || params.some((p) => p.required),
      parseAs: parseAsOf(document, op),
      bodyType,
      pagination: readExtension(op, paginationExt),
      transfer: readExtension(op, transferExt),
      waiter: readExtension(op, waiterExt),
    };
  });
  const { naming } = input;
  if (naming.normalised)
    notes.push(`${naming.normalised} operationId(s) normalised to camelCase method names`);
  if (naming.derived)
    notes.push(`${naming.derived} operation(s) without an operationId named from method and path`);
  notes.push(...naming.notes);

  return {
    specFile: input.specFile,
    packageName: root.package ?? `@sciportals/${input.folder}`,
    name,
    title: root.title ?? stringAt(info, "title") ?? name,
    description: stringAt(info, "summary") ?? stringAt(info, "title"),
    baseUrl: defaultServerUrl(document, notes),
    baseUrlEnv: root.baseUrlEnv,
    rateLimit: rateLimitOf(root),
    security: rootSecurity,
    schemes,
    operations,
    notes,
  };
}
