import { ChangeLog, type Bump, type ChangeKind, type SpecChange } from "./changes.js";
import {
  deepEqual,
  deref,
  HTTP_METHODS,
  isObject,
  operations,
  stringsOf,
  type Json,
  type JsonObject,
} from "@sciportals/codegen/spec";
import { unionKeys } from "./keys.js";
import { SchemaDiff } from "./schema-diff.js";

export type { Bump, SpecChange } from "./changes.js";

/** Path item keys that hold operations: compared per operation, not as the path item's own keys. */
const METHODS: readonly string[] = HTTP_METHODS;
/** Operation keys that only document. */
const OPERATION_DOCS = ["summary", "description", "tags", "externalDocs", "x-sciportals-provenance"];
/** Operation extensions that give the client a capability, and what the capability is called. */
const CAPABILITIES: Record<string, (value: Json | undefined) => string> = {
  "x-sciportals-pagination": () => "paginate() support",
  "x-sciportals-transfer": (value) =>
    `${isObject(value) && value.direction === "upload" ? "upload()" : "download()"} support`,
  "x-sciportals-waiter": () => "waitFor() support",
};

interface Operation {
  label: string;
  item: JsonObject;
  op: JsonObject;
}

/**
 * Compares two versions of an OpenAPI document and classifies each change the way a user of
 * the generated TypeScript client feels it: major when code that worked may stop compiling or
 * working, minor when something new can be used, patch when only documentation changed.
 * `before` undefined means the package is new.
 */
export function diffSpecs(before: JsonObject | undefined, after: JsonObject): SpecChange[] {
  if (!before) {
    const root = isObject(after["x-sciportals"]) ? after["x-sciportals"] : {};
    const name = typeof root.package === "string" ? root.package : "package";
    return [{ kind: "package-added", location: name, bump: "minor" }];
  }
  return new SpecDiff(before, after).run();
}

class SpecDiff {
  private readonly log = new ChangeLog();
  private readonly schemas: SchemaDiff;

  constructor(
    private readonly before: JsonObject,
    private readonly after: JsonObject,
  ) {
    this.schemas = new SchemaDiff(before, after, this.log);
  }

  run(): SpecChange[] {
    this.root();
    this.securitySchemes();
    this.componentSchemas();
    this.operations();
    return this.log.list();
  }

  private add(location: string, kind: ChangeKind, bump: Bump, detail?: string): string {
    return this.log.add({ kind, location, bump, ...(detail !== undefined ? { detail } : {}) });
  }

  private root(): void {
    const o = this.before;
    const n = this.after;
    const oldClient = isObject(o["x-sciportals"]) ? o["x-sciportals"] : {};
    const newClient = isObject(n["x-sciportals"]) ? n["x-sciportals"] : {};
    for (const key of unionKeys(oldClient, newClient)) {
      const a = oldClient[key];
      const b = newClient[key];
      if (deepEqual(a, b)) continue;
      const change = `${JSON.stringify(a)} → ${JSON.stringify(b)}`;
      if (key === "package" || key === "name")
        this.add("client", "client-renamed", "major", `${key} ${change}`);
      else if (key === "title" || key === "description")
        this.add("client", "documentation-changed", "patch", key);
      else if (key === "baseUrlEnv") {
        const what = "base URL environment variable";
        if (a === undefined) this.add("client", "capability-added", "minor", `${what} ${JSON.stringify(b)}`);
        else if (b === undefined)
          this.add("client", "capability-removed", "major", `${what} ${JSON.stringify(a)}`);
        else this.add("client", "capability-changed", "major", `${what} (${change})`);
      } else if (a === undefined) this.add("client", "capability-added", "minor", `x-sciportals.${key}`);
      else if (b === undefined) this.add("client", "capability-removed", "major", `x-sciportals.${key}`);
      else this.add("client", "other-changed", "patch", `x-sciportals.${key}`);
    }
    if (!deepEqual(o.servers, n.servers)) this.add("servers", "server-changed", "patch");
    const skip = new Set(["x-sciportals", "servers", "paths", "components", "security"]);
    const changed = unionKeys(o, n).filter((key) => !skip.has(key) && !deepEqual(o[key], n[key]));
    const docs = changed.filter((key) => ["info", "tags", "externalDocs", "openapi"].includes(key));
    if (docs.length) this.add("spec", "documentation-changed", "patch", docs.join(", "));
    const other = changed.filter((key) => !docs.includes(key));
    if (other.length) this.add("spec", "other-changed", "patch", other.join(", "));
  }

  /** Security schemes: the client options that carry credentials, sessions and device flows. */
  private securitySchemes(): void {
    const all = (doc: JsonObject) =>
      isObject(doc.components) && isObject(doc.components.securitySchemes)
        ? doc.components.securitySchemes
        : {};
    const oldSchemes = all(this.before);
    const newSchemes = all(this.after);
    for (const name of unionKeys(oldSchemes, newSchemes)) {
      const where = `security scheme "${name}"`;
      if (!(name in newSchemes)) {
        this.add(where, "security-scheme-removed", "major");
        continue;
      }
      if (!(name in oldSchemes)) {
        this.add(where, "security-scheme-added", "minor");
        continue;
      }
      const o = objectOf(deref(this.before, oldSchemes[name], "lenient"));
      const n = objectOf(deref(this.after, newSchemes[name], "lenient"));
      for (const key of unionKeys(o, n)) {
        const a = o[key];
        const b = n[key];
        if (deepEqual(a, b)) continue;
        if (key === "description") this.add(where, "documentation-changed", "patch", key);
        else if (key === "x-sciportals-credential") this.credential(where, a, b);
        else if (key.startsWith("x-sciportals-")) {
          if (a === undefined) this.add(where, "capability-added", "minor", key);
          else if (b === undefined) this.add(where, "capability-removed", "major", key);
          else {
            const lost = stringsOf(isObject(a) ? a.options : undefined).filter(
              (option) => !stringsOf(isObject(b) ? b.options : undefined).includes(option),
            );
            if (lost.length)
              this.add(
                where,
                "credential-changed",
                "major",
                `${key} options ${lost.map(q).join(", ")} removed`,
              );
            else this.add(where, "capability-changed", "minor", key);
          }
        }
        // How the credential travels (header name, scheme): the client follows; user code does not change.
        else this.add(where, "other-changed", "patch", key);
      }
    }
  }

  private credential(where: string, a: Json | undefined, b: Json | undefined): void {
    const o = isObject(a) ? a : undefined;
    const n = isObject(b) ? b : undefined;
    if (!o && n) return void this.add(where, "capability-added", "minor", `client option ${q(n.option)}`);
    if (o && !n) return void this.add(where, "capability-removed", "major", `client option ${q(o.option)}`);
    if (!o || !n) return;
    for (const key of unionKeys(o, n)) {
      if (deepEqual(o[key], n[key])) continue;
      if (key === "option" || key === "env") {
        const what = key === "option" ? "client option" : "environment variable";
        if (o[key] === undefined) this.add(where, "capability-added", "minor", `${what} ${q(n[key])}`);
        else this.add(where, "credential-changed", "major", `${what} ${q(o[key])} → ${q(n[key])}`);
      } else if (key === "help")
        this.add(where, "documentation-changed", "patch", "x-sciportals-credential.help");
      else this.add(where, "other-changed", "patch", `x-sciportals-credential.${key}`);
    }
  }

  /** Each component schema is an exported type (`models.gen.ts`). */
  private componentSchemas(): void {
    const all = (doc: JsonObject) =>
      isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
    const oldSchemas = all(this.before);
    const newSchemas = all(this.after);
    for (const name of unionKeys(oldSchemas, newSchemas)) {
      if (!(name in newSchemas)) this.add(`schema "${name}"`, "schema-removed", "major");
      else if (!(name in oldSchemas)) this.add(`schema "${name}"`, "schema-added", "minor");
    }
  }

  private operations(): void {
    const oldOps = operationsOf(this.before);
    const newOps = operationsOf(this.after);
    for (const [key, op] of oldOps) {
      if (!newOps.has(key)) this.add(op.label, "operation-removed", "major", q(op.op.operationId));
    }
    for (const [key, op] of newOps) {
      const old = oldOps.get(key);
      if (old) this.operation(old, op);
      else this.add(op.label, "operation-added", "minor", q(op.op.operationId));
    }
    // Path items: their own keys besides operations and parameters (summary, servers).
    const oldPaths = isObject(this.before.paths) ? this.before.paths : {};
    const newPaths = isObject(this.after.paths) ? this.after.paths : {};
    for (const path of Object.keys(newPaths)) {
      if (!(path in oldPaths)) continue;
      const o = deref(this.before, oldPaths[path], "lenient");
      const n = deref(this.after, newPaths[path], "lenient");
      if (!isObject(o) || !isObject(n)) continue;
      const changed = unionKeys(o, n).filter(
        (key) => !METHODS.includes(key) && key !== "parameters" && !deepEqual(o[key], n[key]),
      );
      if (changed.length) this.add(`path "${path}"`, "documentation-changed", "patch", changed.join(", "));
    }
  }

  private operation(before: Operation, after: Operation): void {
    const label = after.label;
    const o = before.op;
    const n = after.op;
    const keys = new Set<string>();
    const merge = (found: Set<string>) => found.forEach((key) => keys.add(key));

    if (o.operationId !== n.operationId)
      this.add(label, "operation-renamed", "major", `${q(o.operationId)} → ${q(n.operationId)}`);
    const docs = OPERATION_DOCS.filter((key) => !deepEqual(o[key], n[key]));
    if (docs.length)
      this.add(
        label,
        "documentation-changed",
        "patch",
        docs.map((key) => key.replace("x-sciportals-", "")).join(", "),
      );
    if (n.deprecated === true && o.deprecated !== true) this.add(label, "deprecated", "minor");
    if (o.deprecated === true && n.deprecated !== true)
      this.add(label, "other-changed", "patch", "no longer deprecated");

    for (const key of unionKeys(o, n)) {
      const a = o[key];
      const b = n[key];
      if (!key.startsWith("x-") || OPERATION_DOCS.includes(key) || deepEqual(a, b)) continue;
      if (key === "x-sciportals-idempotent") {
        this.add(label, "retry-changed", "patch", `idempotent ${formatValue(a)} → ${formatValue(b)}`);
      } else if (key.startsWith("x-sciportals-")) {
        const name = CAPABILITIES[key] ?? (() => key);
        const switched =
          key === "x-sciportals-transfer" && isObject(a) && isObject(b) && a.direction !== b.direction;
        if (b === undefined || switched) this.add(label, "capability-removed", "major", name(a));
        if (a === undefined || switched) this.add(label, "capability-added", "minor", name(b));
        if (a !== undefined && b !== undefined && !switched) {
          const fields =
            isObject(a) && isObject(b) ? unionKeys(a, b).filter((k) => !deepEqual(a[k], b[k])) : [];
          this.add(
            label,
            "capability-changed",
            "minor",
            `${name(b)}${fields.length ? ` (${fields.join(", ")})` : ""}`,
          );
        }
      } else {
        this.add(label, "other-changed", "patch", key);
      }
    }

    this.security(label, before, after);
    merge(this.parameters(label, before, after));
    merge(this.requestBody(label, o.requestBody, n.requestBody));
    merge(this.responses(label, o.responses, n.responses));

    const handled = new Set([
      ...OPERATION_DOCS,
      "operationId",
      "deprecated",
      "security",
      "parameters",
      "requestBody",
      "responses",
    ]);
    const other = unionKeys(o, n).filter(
      (key) => !handled.has(key) && !key.startsWith("x-") && !deepEqual(o[key], n[key]),
    );
    if (other.length) this.add(label, "other-changed", "patch", other.join(", "));

    this.log.use(keys, label);
  }

  /**
   * Security as alternatives (`apiKey`, `jwt`, `apiKey + jwt`, or none). Losing an alternative
   * breaks whoever used it; needing a credential where none was needed is a new requirement.
   */
  private security(label: string, before: Operation, after: Operation): void {
    const oldAlts = alternatives(before.op.security ?? this.before.security);
    const newAlts = alternatives(after.op.security ?? this.after.security);
    const removed = oldAlts.filter((alt) => !newAlts.includes(alt));
    const added = newAlts.filter((alt) => !oldAlts.includes(alt));
    if (removed.includes("")) {
      this.add(label, "security-required", "major", newAlts.map(q).join(" or "));
      return;
    }
    if (added.includes("")) {
      this.add(label, "security-optional", "minor");
      return;
    }
    for (const alt of removed) this.add(label, "security-alternative-removed", "major", q(alt));
    for (const alt of added) this.add(label, "security-alternative-added", "minor", q(alt));
  }

  private parameters(label: string, before: Operation, after: Operation): Set<string> {
    const keys = new Set<string>();
    const oldParams = parametersOf(this.before, before);
    const newParams = parametersOf(this.after, after);
    for (const key of unionKeys(Object.fromEntries(oldParams), Object.fromEntries(newParams))) {
      const o = oldParams.get(key);
      const n = newParams.get(key);
      const p = (n ?? o)!;
      const where = `${label} ${String(p.in)} parameter "${String(p.name)}"`;
      const required = (param: JsonObject) => param.required === true || param.in === "path";
      if (!n) {
        this.add(where, "parameter-removed", "major");
        continue;
      }
      if (!o) {
        if (required(n)) this.add(where, "required-parameter-added", "major");
        else this.add(where, "parameter-added", "minor");
        continue;
      }
      if (!required(o) && required(n)) this.add(where, "parameter-required", "major");
      if (required(o) && !required(n)) this.add(where, "parameter-optional", "minor");
      if (n.deprecated === true && o.deprecated !== true) this.add(where, "deprecated", "minor");
      const docs = ["description", "example", "examples"].filter((k) => !deepEqual(o[k], n[k]));
      if (docs.length) this.add(where, "documentation-changed", "patch", docs.join(", "));
      const wire = ["style", "explode", "allowReserved", "allowEmptyValue", "x-sciportals-serialize"].filter(
        (k) => !deepEqual(o[k], n[k]),
      );
      if (wire.length) this.add(where, "serialization-changed", "patch", wire.join(", "));
      const handled = new Set([
        "name",
        "in",
        "required",
        "deprecated",
        "description",
        "example",
        "examples",
        "schema",
        "content",
        ...wire,
      ]);
      const other = unionKeys(o, n).filter((k) => !handled.has(k) && !deepEqual(o[k], n[k]));
      if (other.length) this.add(where, "other-changed", "patch", other.join(", "));
      const found = this.schemas.compare(parameterSchema(o), parameterSchema(n), "request", {
        base: where,
        path: "",
        shared: false,
      });
      found.forEach((k) => keys.add(k));
    }
    return keys;
  }

  private requestBody(label: string, before: Json | undefined, after: Json | undefined): Set<string> {
    const keys = new Set<string>();
    const o = deref(this.before, before, "lenient");
    const n = deref(this.after, after, "lenient");
    const where = `${label} request body`;
    if (!isObject(o) && !isObject(n)) return keys;
    if (!isObject(n)) {
      this.add(where, "request-body-removed", "major");
      return keys;
    }
    if (!isObject(o)) {
      if (n.required === true) this.add(where, "required-request-body-added", "major");
      else this.add(where, "request-body-added", "minor");
      return keys;
    }
    if (o.required !== true && n.required === true) this.add(where, "request-body-required", "major");
    if (o.required === true && n.required !== true) this.add(where, "request-body-optional", "minor");
    if (!deepEqual(o.description, n.description))
      this.add(where, "documentation-changed", "patch", "description");
    return this.content(where, o.content, n.content, "request", { removed: "major", added: "minor" });
  }

  private responses(label: string, before: Json | undefined, after: Json | undefined): Set<string> {
    const keys = new Set<string>();
    const o = isObject(before) ? before : {};
    const n = isObject(after) ? after : {};
    const success = (status: string) => /^2/.test(status);
    const hadSuccess = Object.keys(o).some(success);
    for (const status of unionKeys(o, n)) {
      const where = `${label} response ${status}`;
      if (!(status in n)) {
        this.add(where, "response-removed", success(status) ? "major" : "patch");
        continue;
      }
      if (!(status in o)) {
        if (!success(status)) this.add(where, "response-added", "patch");
        else if (!hadSuccess) this.add(where, "response-added", "minor");
        else {
          // Another success shape makes the result a union, which breaks readers; the same shape
          // again (a 206 next to a 200 for ranged downloads) changes nothing they read.
          const shape = contentShape(this.after, n[status]);
          const same = Object.keys(o)
            .filter((s) => success(s) && s in n)
            .some((s) => deepEqual(contentShape(this.after, n[s]), shape));
          if (same) this.add(where, "response-added", "minor", "same content as before");
          else this.add(where, "response-added", "major", "the result can now have another shape");
        }
        continue;
      }
      const a = deref(this.before, o[status], "lenient");
      const b = deref(this.after, n[status], "lenient");
      const ra = isObject(a) ? a : {};
      const rb = isObject(b) ? b : {};
      if (!deepEqual(ra.description, rb.description))
        this.add(where, "documentation-changed", "patch", "description");
      const other = ["headers", "links"].filter((k) => !deepEqual(ra[k], rb[k]));
      if (other.length) this.add(where, "other-changed", "patch", other.join(", "));
      // A success body is what a named call returns; error bodies are typed for GET/POST users.
      const bumps: Record<"removed" | "added", Bump> = success(status)
        ? { removed: "major", added: "minor" }
        : { removed: "patch", added: "patch" };
      this.content(where, ra.content, rb.content, "response", bumps).forEach((k) => keys.add(k));
    }
    return keys;
  }

  private content(
    where: string,
    before: Json | undefined,
    after: Json | undefined,
    direction: "request" | "response",
    bumps: Record<"removed" | "added", Bump>,
  ): Set<string> {
    const keys = new Set<string>();
    const o = isObject(before) ? before : {};
    const n = isObject(after) ? after : {};
    for (const type of unionKeys(o, n)) {
      const at = type === "application/json" ? where : `${where} (${type})`;
      if (!(type in n)) {
        this.add(where, "media-type-removed", bumps.removed, q(type));
        continue;
      }
      if (!(type in o)) {
        this.add(where, "media-type-added", bumps.added, q(type));
        continue;
      }
      const a = isObject(o[type]) ? (o[type] as JsonObject) : {};
      const b = isObject(n[type]) ? (n[type] as JsonObject) : {};
      const docs = ["example", "examples"].filter((k) => !deepEqual(a[k], b[k]));
      if (docs.length) this.add(at, "documentation-changed", "patch", docs.join(", "));
      if (!deepEqual(a.encoding, b.encoding)) this.add(at, "serialization-changed", "patch", "encoding");
      this.schemas
        .compare(a.schema, b.schema, direction, { base: at, path: "", shared: false })
        .forEach((k) => keys.add(k));
    }
    return keys;
  }
}

/** A response's content without its documentation, to tell whether two responses read the same. */
function contentShape(document: JsonObject, response: Json | undefined): Json | undefined {
  const resolved = deref(document, response, "lenient");
  return isObject(resolved) ? withoutDocs(resolved.content ?? null) : undefined;
}

function withoutDocs(node: Json): Json {
  if (Array.isArray(node)) return node.map(withoutDocs);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (["description", "title", "example", "examples", "$comment", "externalDocs"].includes(key)) continue;
    // Under `properties` the keys are field names, never documentation.
    out[key] =
      key === "properties" && isObject(value)
        ? Object.fromEntries(Object.entries(value).map(([name, v]) => [name, withoutDocs(v)]))
        : withoutDocs(value);
  }
  return out;
}

function objectOf(value: Json | undefined): JsonObject {
  return isObject(value) ? value : {};
}

function q(value: Json | undefined): string {
  return JSON.stringify(value ?? null);
}

function formatValue(value: Json | undefined): string {
  return value === undefined ? "unset" : JSON.stringify(value);
}

function operationsOf(document: JsonObject): Map<string, Operation> {
  const found = new Map<string, Operation>();
  for (const { path, method, item, op } of operations(document)) {
    const label = `${method.toUpperCase()} ${path}`;
    found.set(label, { label, item, op });
  }
  return found;
}

/**
 * The operation's parameters with the path item's, keyed by location and name. Not the toolkit's
 * `operationParams`: header names match without case here, and a broken `$ref` in an old spec
 * must not stop the diff.
 */
function parametersOf(document: JsonObject, operation: Operation): Map<string, JsonObject> {
  const params = new Map<string, JsonObject>();
  const list = [
    ...(Array.isArray(operation.item.parameters) ? operation.item.parameters : []),
    ...(Array.isArray(operation.op.parameters) ? operation.op.parameters : []),
  ];
  for (const raw of list) {
    const param = deref(document, raw, "lenient");
    if (!isObject(param)) continue;
    const name = String(param.name);
    params.set(`${String(param.in)}:${param.in === "header" ? name.toLowerCase() : name}`, param);
  }
  return params;
}

function parameterSchema(param: JsonObject): Json | undefined {
  if (param.schema !== undefined) return param.schema;
  const content = isObject(param.content) ? Object.values(param.content)[0] : undefined;
  return isObject(content) ? content.schema : undefined;
}

/** Security requirements as alternatives: `apiKey`, `apiKey + jwt`; `""` is "no credential". */
function alternatives(security: Json | undefined): string[] {
  if (!Array.isArray(security) || security.length === 0) return [""];
  const alts = security.map((req) => (isObject(req) ? Object.keys(req).sort().join(" + ") : ""));
  return [...new Set(alts)];
}
