import { deref, HTTP_METHODS, isObject, type Json, type JsonObject } from "./spec.js";

/**
 * Validates every `x-sciportals-*` key in a spec: where it may appear, which fields it has, and
 * that the operations, parameters and response fields it names exist. Returns all problems at
 * once, each with a JSON pointer, so a maintainer can fix them in one pass.
 */
export function validateExtensions(document: JsonObject): string[] {
  const problems: string[] = [];
  const operationIds = new Map<string, JsonObject>();
  for (const item of Object.values(isObject(document.paths) ? document.paths : {})) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (isObject(op) && typeof op.operationId === "string") operationIds.set(op.operationId, op);
    }
  }

  const allowed: Record<string, Set<string>> = {
    root: new Set(["x-sciportals"]),
    scheme: new Set(["x-sciportals-credential", "x-sciportals-session", "x-sciportals-device-flow"]),
    operation: new Set([
      "x-sciportals-provenance",
      "x-sciportals-pagination",
      "x-sciportals-transfer",
      "x-sciportals-waiter",
      "x-sciportals-idempotent",
    ]),
    parameter: new Set(["x-sciportals-serialize"]),
  };

  // Find every x-sciportals key and check that it sits where it may.
  const walk = (node: Json, pointer: string, where: string) => {
    if (Array.isArray(node)) {
      const childWhere = pointer.endsWith("/parameters") ? "parameter" : "other";
      node.forEach((child, i) => walk(child, `${pointer}/${i}`, childWhere));
      return;
    }
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const childPointer = `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      if (key.startsWith("x-sciportals")) {
        const known = Object.values(allowed).some((keys) => keys.has(key));
        if (!allowed[where]?.has(key)) {
          problems.push(
            known
              ? `${childPointer}: ${key} is not allowed here`
              : `${childPointer}: unknown extension ${key} (see codegen/EXTENSIONS.md)`,
          );
        }
        continue;
      }
      let childWhere = "other";
      if (pointer === "/components/securitySchemes") childWhere = "scheme";
      else if (pointer === "/components/parameters") childWhere = "parameter";
      else if (/^\/paths\/[^/]+$/.test(pointer) && (HTTP_METHODS as readonly string[]).includes(key))
        childWhere = "operation";
      walk(value, childPointer, childWhere);
    }
  };
  walk(document, "", "root");

  // Root block.
  const root = document["x-sciportals"];
  if (!isObject(root)) problems.push("/x-sciportals: required (package, name, title)");
  else {
    checkFields(
      root,
      "/x-sciportals",
      { package: "string", name: "string", title: "string" },
      { baseUrlEnv: "string", rateLimit: "object" },
      problems,
    );
    if (typeof root.package === "string" && !/^@sciportals\/[a-z0-9-]+$/.test(root.package))
      problems.push("/x-sciportals/package: must be @sciportals/<name>");
    if (typeof root.name === "string" && !/^[A-Z][A-Za-z0-9]*$/.test(root.name))
      problems.push("/x-sciportals/name: must be PascalCase");
    if (isObject(root.rateLimit))
      checkFields(
        root.rateLimit,
        "/x-sciportals/rateLimit",
        { limit: "number", intervalSeconds: "number" },
        {},
        problems,
      );
  }

  // Security schemes.
  const schemes =
    isObject(document.components) && isObject(document.components.securitySchemes)
      ? document.components.securitySchemes
      : {};
  for (const [name, rawScheme] of Object.entries(schemes)) {
    const scheme = deref(document, rawScheme);
    if (!isObject(scheme)) continue;
    const at = `/components/securitySchemes/${name}`;
    const credential = scheme["x-sciportals-credential"];
    if (credential !== undefined) {
      if (!isObject(credential)) problems.push(`${at}/x-sciportals-credential: must be an object`);
      else
        checkFields(
          credential,
          `${at}/x-sciportals-credential`,
          { option: "string" },
          { env: "string", prefix: "string", help: "string" },
          problems,
        );
      const supported =
        (scheme.type === "http" && scheme.scheme === "bearer") ||
        (scheme.type === "apiKey" && scheme.in === "header");
      if (!supported)
        problems.push(`${at}: x-sciportals-credential supports http bearer and apiKey-in-header schemes`);
    }
    const session = scheme["x-sciportals-session"];
    if (session !== undefined) {
      if (!isObject(session)) problems.push(`${at}/x-sciportals-session: must be an object`);
      else {
        checkFields(
          session,
          `${at}/x-sciportals-session`,
          { login: "string", refresh: "string", refreshCredential: "string", accessToken: "array" },
          { refreshTokenField: "string", refreshToken: "array", expiresIn: "string", options: "array" },
          problems,
        );
        for (const key of ["login", "refresh"] as const) {
          if (typeof session[key] === "string" && !operationIds.has(session[key] as string)) {
            problems.push(`${at}/x-sciportals-session/${key}: no operation ${session[key]}`);
          }
        }
        if (
          session.refreshCredential !== undefined &&
          session.refreshCredential !== "body" &&
          session.refreshCredential !== "cookie"
        ) {
          problems.push(`${at}/x-sciportals-session/refreshCredential: must be body or cookie`);
        }
      }
    }
    const device = scheme["x-sciportals-device-flow"];
    if (device !== undefined) {
      if (!isObject(device)) problems.push(`${at}/x-sciportals-device-flow: must be an object`);
      else {
        checkFields(
          device,
          `${at}/x-sciportals-device-flow`,
          { start: "string", poll: "string", token: "string" },
          { status: "string", pending: "array", error: "string" },
          problems,
        );
        for (const key of ["start", "poll"] as const) {
          if (typeof device[key] === "string" && !operationIds.has(device[key] as string)) {
            problems.push(`${at}/x-sciportals-device-flow/${key}: no operation ${device[key]}`);
          }
        }
      }
    }
  }

  // Operations.
  for (const [path, rawItem] of Object.entries(isObject(document.paths) ? document.paths : {})) {
    const item = deref(document, rawItem);
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const at = `/paths/${path.replace(/~/g, "~0").replace(/\//g, "~1")}/${method}`;
      const provenance = op["x-sciportals-provenance"];
      if (provenance === undefined)
        problems.push(`${at}: x-sciportals-provenance is required (seed, public or unverified)`);
      else if (provenance !== "seed" && provenance !== "public" && provenance !== "unverified") {
        problems.push(`${at}/x-sciportals-provenance: must be seed, public or unverified`);
      }
      const idempotent = op["x-sciportals-idempotent"];
      if (idempotent !== undefined && typeof idempotent !== "boolean")
        problems.push(`${at}/x-sciportals-idempotent: must be a boolean`);
      const params = operationParams(document, item, op);
      const queryNames = new Set(params.filter((p) => p.in === "query").map((p) => String(p.name)));
      const success = successSchema(document, op);

      const pagination = op["x-sciportals-pagination"];
      if (pagination !== undefined) {
        const pat = `${at}/x-sciportals-pagination`;
        if (!isObject(pagination)) problems.push(`${pat}: must be an object`);
        else {
          const style = pagination.style;
          const required: Record<string, string> =
            style === "page"
              ? { style: "string", items: "string", page: "string" }
              : style === "offset"
                ? { style: "string", items: "string", offset: "string" }
                : style === "cursor"
                  ? { style: "string", items: "string", cursor: "string", nextCursor: "string" }
                  : { style: "string", items: "string" };
          if (style !== "page" && style !== "offset" && style !== "cursor")
            problems.push(`${pat}/style: must be page, offset or cursor`);
          checkFields(
            pagination,
            pat,
            required,
            {
              page: "string",
              offset: "string",
              cursor: "string",
              nextCursor: "string",
              size: "string",
              total: "string",
              firstPage: "number",
              exhausted: "string",
            },
            problems,
          );
          for (const key of ["page", "offset", "cursor", "size"]) {
            const name = pagination[key];
            if (typeof name === "string" && !queryNames.has(name))
              problems.push(`${pat}/${key}: no query parameter "${name}"`);
          }
          for (const key of ["items", "total", "nextCursor", "exhausted"]) {
            const field = pagination[key];
            if (typeof field === "string" && success && !schemaHasPath(document, success, field)) {
              problems.push(`${pat}/${key}: the success response has no field "${field}"`);
            }
          }
          if (typeof pagination.items === "string" && success) {
            const itemsSchema = schemaAtPath(document, success, pagination.items);
            if (itemsSchema && !schemaIsArray(document, itemsSchema))
              problems.push(`${pat}/items: "${pagination.items}" is not an array`);
          }
        }
      }

      const transfer = op["x-sciportals-transfer"];
      if (transfer !== undefined) {
        const tat = `${at}/x-sciportals-transfer`;
        if (!isObject(transfer)) problems.push(`${tat}: must be an object`);
        else if (transfer.direction === "download") {
          checkFields(
            transfer,
            tat,
            { direction: "string" },
            { url: "string", range: "boolean", expiresAt: "string" },
            problems,
          );
          if (
            typeof transfer.url === "string" &&
            success &&
            !schemaHasPath(document, success, transfer.url)
          ) {
            problems.push(`${tat}/url: the success response has no field "${transfer.url}"`);
          }
        } else if (transfer.direction === "upload") {
          checkFields(
            transfer,
            tat,
            { direction: "string", fields: "object", uploadIdFrom: "array" },
            { chunkSize: "number" },
            problems,
          );
          if (isObject(transfer.fields)) {
            checkFields(
              transfer.fields,
              `${tat}/fields`,
              { chunk: "string", filename: "string", offset: "string", last: "string", uploadId: "string" },
              {},
              problems,
            );
          }
        } else problems.push(`${tat}/direction: must be download or upload`);
      }

      const waiter = op["x-sciportals-waiter"];
      if (waiter !== undefined) {
        const wat = `${at}/x-sciportals-waiter`;
        if (!isObject(waiter)) problems.push(`${wat}: must be an object`);
        else {
          checkFields(
            waiter,
            wat,
            { status: "string", success: "array", failure: "array" },
            { minDelay: "number", maxDelay: "number" },
            problems,
          );
          if (
            typeof waiter.status === "string" &&
            success &&
            !schemaHasPath(document, success, waiter.status)
          ) {
            problems.push(`${wat}/status: the success response has no field "${waiter.status}"`);
          }
        }
      }

      params.forEach((param) => {
        const serialize = param["x-sciportals-serialize"];
        if (serialize !== undefined && serialize !== "braces" && serialize !== "brackets") {
          problems.push(
            `${at}: parameter ${String(param.name)}: x-sciportals-serialize must be braces or brackets`,
          );
        }
      });
    }
  }
  return problems;
}

type FieldType = "string" | "number" | "boolean" | "array" | "object";

function checkFields(
  value: JsonObject,
  at: string,
  required: Record<string, FieldType | string>,
  optional: Record<string, FieldType | string>,
  problems: string[],
) {
  for (const [key, type] of Object.entries(required)) {
    if (value[key] === undefined) problems.push(`${at}: "${key}" is required`);
  }
  for (const [key, field] of Object.entries(value)) {
    const type = required[key] ?? optional[key];
    if (type === undefined) {
      problems.push(`${at}: unknown field "${key}"`);
      continue;
    }
    const actual = Array.isArray(field) ? "array" : field === null ? "null" : typeof field;
    if (actual !== type)
      problems.push(`${at}/${key}: must be ${type === "array" ? "an array" : `a ${type}`}`);
  }
}

/** Path-level and operation-level parameters, resolved, the operation's overriding by name and location. */
export function operationParams(document: JsonObject, item: JsonObject, op: JsonObject): JsonObject[] {
  const byKey = new Map<string, JsonObject>();
  for (const list of [item.parameters, op.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const param = deref(document, raw);
      if (isObject(param)) byKey.set(`${String(param.in)}:${String(param.name)}`, param);
    }
  }
  return [...byKey.values()];
}

/** The JSON schema of the first 2xx response with JSON content. */
export function successSchema(document: JsonObject, op: JsonObject): Json | undefined {
  const responses = isObject(op.responses) ? op.responses : {};
  for (const status of Object.keys(responses).sort()) {
    if (!/^2\d\d$/.test(status)) continue;
    const response = deref(document, responses[status]);
    if (!isObject(response) || !isObject(response.content)) continue;
    for (const [media, body] of Object.entries(response.content)) {
      if ((media === "application/json" || media.endsWith("+json")) && isObject(body)) return body.schema;
    }
  }
  return undefined;
}

/** The sub-schema at a dotted path, following $ref, allOf and the first object branch of oneOf/anyOf. */
export function schemaAtPath(document: JsonObject, schema: Json, path: string): Json | undefined {
  if (path === "") return schema;
  let current: Json | undefined = schema;
  for (const key of path.split(".")) {
    current = propertyOf(document, current, key);
    if (current === undefined) return undefined;
  }
  return current;
}

function propertyOf(document: JsonObject, schema: Json | undefined, key: string): Json | undefined {
  const resolved = deref(document, schema);
  if (!isObject(resolved)) return undefined;
  if (isObject(resolved.properties) && resolved.properties[key] !== undefined)
    return resolved.properties[key];
  for (const combinator of ["allOf", "oneOf", "anyOf"]) {
    const list = resolved[combinator];
    if (!Array.isArray(list)) continue;
    for (const branch of list) {
      const found = propertyOf(document, branch, key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function schemaHasPath(document: JsonObject, schema: Json, path: string): boolean {
  return schemaAtPath(document, schema, path) !== undefined;
}

function schemaIsArray(document: JsonObject, schema: Json): boolean {
  const resolved = deref(document, schema);
  if (!isObject(resolved)) return false;
  if (resolved.type === "array" || (Array.isArray(resolved.type) && resolved.type.includes("array")))
    return true;
  for (const combinator of ["allOf", "oneOf", "anyOf"]) {
    const list = resolved[combinator];
    if (Array.isArray(list) && list.some((b) => schemaIsArray(document, b))) return true;
  }
  return false;
}
