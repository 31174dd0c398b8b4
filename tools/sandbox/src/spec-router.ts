import type { IncomingMessage, ServerResponse } from "node:http";
import {
  escapePointer,
  isObject,
  objectAt,
  operations,
  pointer as nodeAt,
  stringAt,
  type Json,
  type JsonObject,
} from "@sciportals/codegen/spec";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// ajv-formats is CJS with a default export.
const addFormats =
  (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

/** What a handler sees of one request: parsed, coerced and already checked against the spec. */
export interface RequestContext {
  operationId: string;
  method: string;
  path: string;
  pathParams: Record<string, any>;
  query: Record<string, any>;
  /** Query parameters as sent, for handlers of wire formats OpenAPI cannot describe. */
  rawQuery: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: any;
  /** The raw request and response, for streaming handlers. */
  req: IncomingMessage;
  res: ServerResponse;
  /** Whatever the portal's authenticate() returned. */
  principal: any;
}

/** A handler's answer. `stream` handlers write the response themselves (and skip body validation). */
export type HandlerResult =
  { status: number; body?: unknown; headers?: Record<string, string | number> } | { stream: true };

export type Handler = (ctx: RequestContext) => HandlerResult | Promise<HandlerResult>;

export interface SpecRouterOptions {
  /** The portal's spec as codegen reads it (see `portalSpec`): bundled, overlay applied. */
  spec: JsonObject;
  handlers: Record<string, Handler>;
  /**
   * Checks credentials for an operation's security requirement. Returns the principal, or a
   * result to send instead (a 401).
   */
  authenticate: (
    req: IncomingMessage,
    security: string[][],
    operationId: string,
  ) => { principal: any } | { reject: HandlerResult };
  /** The portal's error body for a status and message. */
  errorBody: (status: number, message: string, details?: unknown) => unknown;
  /** The status for a request that breaks the spec (FastAPI 422, DRF 400...). */
  validationStatus?: number;
  /** Shapes the validation error body; default errorBody(validationStatus, message). */
  validationBody?: (problems: { location: string; name: string; message: string }[]) => unknown;
}

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  operation: JsonObject;
  operationId: string;
  operationPointer: string;
  params: { param: JsonObject; pointer: string }[];
  security: string[][];
}

/** A request or response that did not match the spec: the sandbox records it, tests assert none. */
export interface Violation {
  operationId: string;
  kind: "response";
  status: number;
  message: string;
}

/** Compiled validators per spec document, shared by every sandbox started in a process. */
const compiled = new WeakMap<JsonObject, { ajv: Ajv2020; validators: Map<string, ValidateFunction> }>();

function compiledSpec(spec: JsonObject) {
  let entry = compiled.get(spec);
  if (!entry) {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    ajv.addSchema(spec, "spec");
    entry = { ajv, validators: new Map() };
    compiled.set(spec, entry);
  }
  return entry;
}

/**
 * Ajv's errors for a value against a schema of the spec (`#/components/schemas/Name`), none when
 * it is valid: for bodies the router hands over unparsed, such as multipart forms.
 */
export function schemaErrors(spec: JsonObject, pointer: string, value: unknown): ErrorObject[] {
  const { ajv, validators } = compiledSpec(spec);
  let fn = validators.get(pointer);
  if (!fn) {
    fn = ajv.compile({ $ref: `spec${pointer}` });
    validators.set(pointer, fn);
  }
  return fn(value) ? [] : [...(fn.errors ?? [])];
}

/**
 * Routes requests to handlers by the spec's operations, and checks both directions against the
 * spec: parameters and bodies before the handler (a bad request gets the portal's validation
 * error), response bodies after it (a mismatch is recorded as a violation).
 */
export class SpecRouter {
  readonly spec: JsonObject;
  readonly violations: Violation[] = [];
  private readonly routes: Route[] = [];
  private readonly ajv: Ajv2020;
  private readonly validators: Map<string, ValidateFunction>;

  constructor(private readonly options: SpecRouterOptions) {
    this.spec = options.spec;
    ({ ajv: this.ajv, validators: this.validators } = compiledSpec(options.spec));
    const rootSecurity = this.security(this.spec.security);
    for (const { path: template, method, item, op: operation, pointer } of operations(this.spec)) {
      const names: string[] = [];
      const pattern = template
        .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
        .replace(/\{([^}]+)\}/g, (_m, name: string) => {
          names.push(name);
          return "([^/]+)";
        });
      const operationPointer = `#${pointer}`;
      const params = new Map<string, { param: JsonObject; pointer: string }>();
      for (const [list, base] of [
        [item.parameters, `#/paths/${escapePointer(template)}/parameters`],
        [operation.parameters, `${operationPointer}/parameters`],
      ] as const) {
        if (!Array.isArray(list)) continue;
        list.forEach((raw, i) => {
          const { node, pointer } = this.resolve(raw, `${base}/${i}`);
          if (isObject(node)) params.set(`${String(node.in)}:${String(node.name)}`, { param: node, pointer });
        });
      }
      this.routes.push({
        method: method.toUpperCase(),
        template,
        regex: new RegExp(`^${pattern}$`),
        names,
        operation,
        operationId: stringAt(operation, "operationId") ?? `${method.toUpperCase()} ${template}`,
        operationPointer,
        params: [...params.values()],
        security: operation.security ? this.security(operation.security) : rootSecurity,
      });
    }
    // Literal segments win over parameters: /files/search before /files/{id}.
    this.routes.sort((a, b) => a.names.length - b.names.length);
  }

  private security(value: Json | undefined): string[][] {
    return Array.isArray(value) ? value.map((r) => (isObject(r) ? Object.keys(r) : [])) : [];
  }

  /**
   * Follows local $refs, returning the node and the JSON pointer where it lives: ajv compiles
   * validators by pointer into the spec, so the toolkit's `deref`, which drops it, does not do.
   */
  resolve(node: Json | undefined, pointer: string): { node: Json | undefined; pointer: string } {
    let current = node;
    let at = pointer;
    while (isObject(current) && typeof current.$ref === "string") {
      at = current.$ref;
      current = nodeAt(this.spec, at);
    }
    return { node: current, pointer: at };
  }

  private validator(pointer: string): ValidateFunction {
    let fn = this.validators.get(pointer);
    if (!fn) {
      fn = this.ajv.compile({ $ref: `spec${pointer}` });
      this.validators.set(pointer, fn);
    }
    return fn;
  }

  private describe(fn: ValidateFunction): string {
    return (fn.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message}`).join("; ");
  }

  /** Handles one request; returns false when no route matched (the caller answers 404). */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const method =
      req.method === "HEAD" && !this.routes.some((r) => r.method === "HEAD" && r.regex.test(url.pathname))
        ? "GET"
        : req.method!;
    let match: RegExpExecArray | null = null;
    const route = this.routes.find((r) => r.method === method && (match = r.regex.exec(url.pathname)));
    if (!route || !match) {
      const other = this.routes.some((r) => r.regex.test(url.pathname));
      send(
        res,
        other ? 405 : 404,
        this.options.errorBody(other ? 405 : 404, other ? "Method Not Allowed" : "Not Found"),
      );
      return true;
    }
    const operationId = route.operationId;
    const problems: { location: string; name: string; message: string }[] = [];
    const pathParams: Record<string, unknown> = {};
    const query: Record<string, unknown> = {};
    route.names.forEach(
      (name, i) => (pathParams[name] = decodeURIComponent((match as RegExpExecArray)[i + 1]!)),
    );

    for (const { param, pointer } of route.params) {
      if (param.in === "cookie") continue;
      const location = String(param.in);
      const name = String(param.name);
      const { node: schema } = this.resolve(param.schema, `${pointer}/schema`);
      let raw: unknown;
      if (location === "path") raw = pathParams[name];
      else if (location === "header") raw = req.headers[name.toLowerCase()];
      else if (location === "query") raw = readQuery(url.searchParams, param, schema);
      if (raw === undefined) {
        if (param.required) problems.push({ location, name, message: "Field required" });
        continue;
      }
      const value = coerce(raw, schema);
      const fn = this.validator(`${pointer}/schema`);
      if (!fn(value)) problems.push({ location, name, message: this.describe(fn) });
      if (location === "path") pathParams[name] = value;
      else if (location === "query") query[name] = value;
    }

    const auth = this.options.authenticate(req, route.security, operationId);
    if ("reject" in auth) {
      this.finish(route, res, auth.reject, operationId);
      return true;
    }

    let body: unknown;
    const bodySpec = route.operation.requestBody
      ? this.resolve(route.operation.requestBody, `${route.operationPointer}/requestBody`)
      : undefined;
    const raw = await readBody(req);
    const contentType = String(req.headers["content-type"] ?? "")
      .split(";")[0]!
      .trim();
    if (raw.length > 0) {
      if (contentType === "application/json") {
        try {
          body = JSON.parse(raw.toString("utf8"));
        } catch {
          problems.push({ location: "body", name: "", message: "JSON decode error" });
        }
      } else body = raw;
    }
    if (bodySpec) {
      const media = objectAt(bodySpec.node, "content")[contentType];
      if (body === undefined && isObject(bodySpec.node) && bodySpec.node.required)
        problems.push({ location: "body", name: "", message: "Field required" });
      else if (body !== undefined && !media)
        problems.push({
          location: "body",
          name: "",
          message: `unsupported content type ${contentType || "(none)"}`,
        });
      else if (body !== undefined && contentType === "application/json") {
        const fn = this.validator(`${bodySpec.pointer}/content/${escapePointer(contentType)}/schema`);
        if (!fn(body)) problems.push({ location: "body", name: "", message: this.describe(fn) });
      }
    }
    if (problems.length) {
      const status = this.options.validationStatus ?? 400;
      const responseBody = this.options.validationBody
        ? this.options.validationBody(problems)
        : this.options.errorBody(
            status,
            problems.map((p) => `${p.location} ${p.name}: ${p.message}`).join("; "),
          );
      this.finish(route, res, { status, body: responseBody }, operationId);
      return true;
    }

    const handler = this.options.handlers[operationId];
    if (!handler) {
      send(res, 501, this.options.errorBody(501, `${operationId} is not implemented by the sandbox`));
      return true;
    }
    const result = await handler({
      operationId,
      method: req.method!,
      path: url.pathname,
      pathParams,
      query,
      rawQuery: url.searchParams,
      headers: req.headers,
      body,
      req,
      res,
      principal: auth.principal,
    });
    this.finish(route, res, result, operationId);
    return true;
  }

  private finish(route: Route, res: ServerResponse, result: HandlerResult, operationId: string) {
    if ("stream" in result) return;
    const status = result.status;
    const responses = objectAt(route.operation, "responses");
    const rawResponse = responses[String(status)] ?? responses.default;
    if (!rawResponse) {
      this.violations.push({
        operationId,
        kind: "response",
        status,
        message: `status ${status} is not in the spec`,
      });
    } else if (result.body !== undefined) {
      const pointerBase = responses[String(status)]
        ? `${route.operationPointer}/responses/${status}`
        : `${route.operationPointer}/responses/default`;
      const { node, pointer } = this.resolve(rawResponse, pointerBase);
      if (objectAt(node, "content")["application/json"]) {
        const fn = this.validator(`${pointer}/content/application~1json/schema`);
        if (!fn(result.body)) {
          this.violations.push({ operationId, kind: "response", status, message: this.describe(fn) });
        }
      }
    }
    send(res, status, result.body, result.headers);
  }
}

/** A schema's type, the non-null one of a `[T, "null"]` list. */
function typeOf(schema: Json | undefined): Json | undefined {
  if (!isObject(schema)) return undefined;
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
}

function readQuery(params: URLSearchParams, param: JsonObject, schema: Json | undefined): unknown {
  const name = String(param.name);
  if (typeOf(schema) === "array") {
    const values = params.getAll(name);
    if (values.length === 0) return undefined;
    if (param.explode === false) return values.flatMap((v) => v.split(","));
    return values;
  }
  return params.get(name) ?? undefined;
}

function coerceScalar(value: unknown, schema: Json | undefined): unknown {
  if (typeof value !== "string") return value;
  const type = typeOf(schema);
  if (type === "integer" || type === "number") {
    const n = Number(value);
    return value.trim() !== "" && Number.isFinite(n) ? n : value;
  }
  if (type === "boolean") return value === "true" ? true : value === "false" ? false : value;
  return value;
}

function coerce(value: unknown, schema: Json | undefined): unknown {
  if (Array.isArray(value))
    return value.map((v) => coerceScalar(v, isObject(schema) ? schema.items : undefined));
  return coerceScalar(value, schema);
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Sends a JSON (or empty) response. */
export function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string | number> = {},
) {
  if (res.headersSent) return;
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const head: Record<string, string | number> = { ...headers };
  if (payload !== undefined && !Object.keys(head).some((h) => h.toLowerCase() === "content-type")) {
    head["content-type"] = "application/json";
  }
  if (payload !== undefined) head["content-length"] = Buffer.byteLength(payload);
  res.writeHead(status, head);
  res.end(payload);
}
