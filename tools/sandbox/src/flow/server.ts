import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { open, rm, unlink } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  deref,
  isObject,
  objectAt,
  operations,
  stringAt,
  type Json,
  type JsonObject,
} from "@sciportals/codegen/spec";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { chunks, serveFile, sha256Of, type VirtualFile } from "../content.js";
import { Faults } from "../faults.js";
import { listen, record, type RecordedRequest } from "../http.js";
import {
  send,
  SpecRouter,
  type Handler,
  type HandlerResult,
  type RequestContext,
  type Violation,
} from "../spec-router.js";
import { portalSpec } from "../portal-spec.js";
import { FlowAuth, readCookie, REFRESH_COOKIE, type ApiKeySpec, type FlowAuthStats } from "./auth.js";
import { ExecutionEngine, IN_FLIGHT, type ExecutionDurations } from "./executions.js";
import {
  buildFixtures,
  EPOCH,
  executionIdentifier,
  SANDBOX_PASSWORDS,
  type FlowFixtureIds,
} from "./fixtures.js";
import { bufferSource, diskSource, generateText, serveSource } from "./files.js";
import type {
  DataRecord,
  Execution,
  Owned,
  Principal,
  Project,
  Sample,
  Scope,
  Store,
  User,
} from "./store.js";
import {
  parseMultipart,
  Uploads,
  type ChunkFaultOptions,
  type ChunkHooks,
  type ChunkInput,
  type Multipart,
  type UploadEndpoint,
  type UploadState,
  type UploadStats,
} from "./uploads.js";
import { filetype, Views } from "./views.js";
import { xlsxWithHeaders } from "./xlsx.js";

const addFormats =
  (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

/** Alice: can run pipelines, owns the public and private fixture projects. */
export const FLOW_SANDBOX_USERNAME = "alice";
export const FLOW_SANDBOX_PASSWORD = SANDBOX_PASSWORDS.alice!;
/** Alice's API key with every scope (read, write, run). */
export const FLOW_SANDBOX_API_KEY = "flow-sandbox-key-alice-0123456789abcdef";
/** Alice's API key with the `read` scope only: 403 on uploads, writes and runs. */
export const FLOW_SANDBOX_READONLY_API_KEY = "flow-sandbox-key-alice-readonly-fedcba9876";
/** The fixture users: Bob cannot run pipelines, Carol is an admin. */
export const FLOW_SANDBOX_USERS = {
  alice: { username: "alice", password: SANDBOX_PASSWORDS.alice! },
  bob: { username: "bob", password: SANDBOX_PASSWORDS.bob! },
  carol: { username: "carol", password: SANDBOX_PASSWORDS.carol! },
};

export interface FlowSandboxOptions {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Lifetime of access tokens. Default 30 minutes (docs.api.flow.bio); tests use ~200 ms. */
  accessTokenTtlMs?: number;
  /** Lifetime of refresh tokens (the cookie). Default one year. */
  refreshTokenTtlMs?: number;
  /** GET /token also rotates the refresh cookie (the old one stops working). Default false. */
  rotateRefreshToken?: boolean;
  /** API keys. Default: FLOW_SANDBOX_API_KEY (all scopes) and FLOW_SANDBOX_READONLY_API_KEY, both Alice's. */
  apiKeys?: ApiKeySpec[];
  /** How long runs stay pending and running. Defaults 300 ms each. */
  executionDurations?: ExecutionDurations;
  /** Number of fixture samples. Default 240. */
  samples?: number;
  /** Size of the big public reads file (`fixtures.bigData`). Default 64 MiB. */
  bigFileBytes?: number;
  /** Size of an execution's results archive. Default 4 MiB. */
  resultsArchiveBytes?: number;
  /** Largest chunk accepted by the upload endpoints. Default 64 MiB. */
  maxChunkBytes?: number;
}

/** What a test can learn about one upload. */
export interface FlowUploadInfo {
  id: string;
  endpoint: UploadEndpoint;
  filename: string;
  /** Bytes received (appended) so far. */
  received: number;
  /** Offsets of every acknowledged chunk, arrival order, resends included. */
  offsets: number[];
  /** Offsets whose bytes were appended. */
  appended: number[];
  /** Chunks acknowledged without appending (resends of received offsets). */
  duplicates: number;
  complete: boolean;
  /** SHA-256 of the bytes assembled so far (of the whole file once complete). */
  sha256: string;
  /** Where the file is assembled. */
  path: string;
}

export interface FlowStats extends FlowAuthStats {
  uploads: UploadStats;
  /** Runs started through POST /pipelines/versions/{id}/run. */
  executionsStarted: number;
  /** Body bytes sent by data and results downloads. */
  bytesDownloaded: number;
}

export interface FlowSandbox {
  /** Base URL including `/api`, for `createFlowClient({ baseUrl })`. */
  url: string;
  /** The server's origin (scheme, host and port). */
  origin: string;
  /** Alice's login. */
  username: string;
  password: string;
  /** Alice's API key with every scope; `readOnlyApiKey` has `read` only. */
  apiKey: string;
  readOnlyApiKey: string;
  /** IDs of fixture records worth knowing. */
  fixtures: FlowFixtureIds;
  /** The operationIds the sandbox implements (every operation of the spec). */
  operations: string[];
  /** The in-memory records (mutable). */
  store: Store;
  /** Request-level faults (applied before routing; `match` sees the raw request). */
  faults: Faults;
  requests: RecordedRequest[];
  violations: Violation[];
  stats: FlowStats;
  /** Every upload, and one upload by id. */
  uploads(): FlowUploadInfo[];
  upload(id: string): FlowUploadInfo | undefined;
  /** Fails a chosen upload chunk (by offset or index; default 502). */
  failChunk(options: ChunkFaultOptions): void;
  /** The next run started fails with ERROR at its end. */
  failNextExecution(message?: string): void;
  /** Durations for runs started from now on. */
  setExecutionDurations(durations: ExecutionDurations): void;
  setAccessTokenTtl(ms: number): void;
  /** Mints an access token for a user (optionally with its own lifetime, e.g. 0 for an expired one). */
  issueAccessToken(username: string, ttlMs?: number): string;
  /** Revokes refresh tokens (of one user, or all): the next GET /token fails. */
  revokeRefreshTokens(username?: string): void;
  /** An execution's current record (advanced to now). */
  execution(id: string): Execution | undefined;
  /** The bytes the results archive of an execution serves, and their SHA-256. */
  resultsArchive(executionId: string): { file: VirtualFile; sha256: () => string };
  /** SHA-256 of what GET /downloads/{id}/{filename} serves for a data file. */
  dataSha256(dataId: string): Promise<string>;
  /** Password-reset emails the sandbox "sent". */
  outbox: { email: string; token: string }[];
  close(): Promise<void>;
}

const NOT_FOUND: HandlerResult = { status: 404, body: { error: "Not found" } };
const BARE_404: HandlerResult = { status: 404 };
const FORBIDDEN_SCOPE: HandlerResult = {
  status: 403,
  body: { error: "Token not authorised for this endpoint" },
};
const FORBIDDEN: HandlerResult = { status: 403, body: { error: "You do not have permission to do that" } };
const UNAUTHORIZED_MESSAGES = {
  missing: "Not authorized",
  invalid: "Invalid token",
  expired: "Token has expired",
} as const;
const BINARY_EXTENSIONS = new Set([
  "gz",
  "bam",
  "bai",
  "bw",
  "bigwig",
  "zip",
  "tar",
  "bz2",
  "xz",
  "h5",
  "h5ad",
  "png",
  "jpg",
  "jpeg",
  "pdf",
  "xlsx",
  "cram",
  "sra",
]);

const bad = (error: unknown): HandlerResult => ({ status: 400, body: { error } });
const fields = (field: string, message: string): HandlerResult => ({
  status: 400,
  body: { [field]: [message] },
});
const ok = (message: string, extra: Record<string, unknown> = {}): HandlerResult => ({
  status: 200,
  body: { success: true, message, ...extra },
});
const truthy = (v: unknown) => typeof v === "string" && /^(1|true|yes|on)$/i.test(v);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const contains = (haystack: string | null | undefined, needle: string) =>
  (haystack ?? "").toLowerCase().includes(needle.toLowerCase());

function paged<T>(
  key: string,
  items: T[],
  query: Record<string, any>,
  map: (item: T) => unknown,
): HandlerResult {
  const page = (query.page as number | undefined) ?? 1;
  const count = (query.count as number | undefined) ?? 10;
  return {
    status: 200,
    body: { count: items.length, page, [key]: items.slice((page - 1) * count, page * count).map(map) },
  };
}

function sortBy<T extends { created: number; id: string }>(
  items: T[],
  sort: string | undefined,
  name: (t: T) => string,
) {
  const s = sort ?? "-created";
  const byCreated = (a: T, b: T) => a.created - b.created || Number(a.id) - Number(b.id);
  const byName = (a: T, b: T) => name(a).localeCompare(name(b)) || Number(a.id) - Number(b.id);
  const compare = s.endsWith("created") ? byCreated : byName;
  return [...items].sort((a, b) => (s.startsWith("-") ? -compare(a, b) : compare(a, b)));
}

function coerceFormValue(value: string, type: unknown): unknown {
  if (type === "integer" || type === "number")
    return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (type === "boolean") {
    if (/^(true|1|yes|on)$/i.test(value)) return true;
    if (/^(false|0|no|off|)$/i.test(value)) return false;
  }
  return value;
}

/** Starts the Flow sandbox on 127.0.0.1; the API lives under `/api`, as on app.flow.bio. */
export async function startFlowSandbox(options: FlowSandboxOptions = {}): Promise<FlowSandbox> {
  const { store, ids } = buildFixtures({ samples: options.samples, bigFileBytes: options.bigFileBytes });
  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  const recorded = new WeakMap<IncomingMessage, RecordedRequest>();
  const uploadDir = mkdtempSync(join(tmpdir(), "flow-sandbox-"));
  const uploads = new Uploads(uploadDir);
  const archiveBytes = options.resultsArchiveBytes ?? 4 * 1024 * 1024;
  const maxChunkBytes = options.maxChunkBytes ?? 64 * 1024 * 1024;
  const auth = new FlowAuth(
    store,
    options.accessTokenTtlMs ?? 30 * 60 * 1000,
    options.refreshTokenTtlMs ?? 365 * 24 * 3600 * 1000,
    options.rotateRefreshToken ?? false,
  );
  for (const key of options.apiKeys ?? [
    { key: FLOW_SANDBOX_API_KEY, username: "alice" },
    { key: FLOW_SANDBOX_READONLY_API_KEY, username: "alice", scopes: ["read"] as Scope[] },
  ]) {
    auth.addApiKey(key);
  }
  const outbox: { email: string; token: string }[] = [];
  let bytesDownloaded = 0;

  const ownedBy = (user: User, isPrivate = true): Owned => ({
    ownerId: user.id,
    groupOwner: null,
    private: isPrivate,
    sharedUsers: new Set(),
    sharedGroups: new Set(),
    removed: false,
  });

  // Outputs of a run that finished OK.
  const engine = new ExecutionEngine(store, options.executionDurations ?? {}, (e) => {
    const { pipeline, version } = store.pipelineOfExecution(e);
    const sample = e.sampleId ? store.samples.get(e.sampleId) : undefined;
    const finished = Math.floor(e.finished ?? nowSeconds());
    const base: Omit<DataRecord, "id" | "filename" | "size" | "dataType" | "processName" | "content"> = {
      created: finished,
      category: 1,
      filesetId: null,
      sampleId: e.sampleId,
      executionId: e.id,
      isDirectory: false,
      isBinary: false,
      ready: true,
      pairedId: null,
      lastModified: new Date(finished * 1000),
      ownerId: e.ownerId,
      groupOwner: e.groupOwner,
      private: e.private,
      sharedUsers: new Set(e.sharedUsers),
      sharedGroups: new Set(e.sharedGroups),
      removed: false,
    };
    const outputs: DataRecord[] = [
      {
        ...base,
        id: store.nextId("data"),
        filename: `${sample?.name ?? e.identifier}.${pipeline.name.toLowerCase().replace(/[^a-z]+/g, "")}.tsv`,
        size: 6_000 + (Number(e.id) % 5) * 3_000,
        dataType: "counts",
        processName: version.steps[version.steps.length - 2] ?? version.steps[0]!,
        content: { kind: "text", seed: Number(e.id) * 7 + 1, flavour: "tsv" },
      },
      {
        ...base,
        id: store.nextId("data"),
        filename: "multiqc_report.html",
        size: 9_000 + (Number(e.id) % 3) * 1_000,
        dataType: "html",
        processName: version.steps[version.steps.length - 1]!,
        content: { kind: "text", seed: Number(e.id) * 7 + 2, flavour: "html" },
      },
    ];
    for (const d of outputs) store.data.set(d.id, d);
    e.outputIds.push(...outputs.map((d) => d.id));
  });

  const views = new Views(store, engine);

  // ------------------------------------------------------------------ helpers

  const need = (p: Principal | undefined, scope: Scope): HandlerResult | undefined =>
    p && !p.scopes.has(scope) ? FORBIDDEN_SCOPE : undefined;

  /** Readable and editable, or the right refusal: 404 if the caller cannot see it, 403 if only see. */
  const editable = (
    r: Owned | undefined,
    readable: boolean,
    p: Principal | undefined,
  ): HandlerResult | undefined => {
    if (!r || !readable) return NOT_FOUND;
    if (!store.canEdit(r, p)) return FORBIDDEN;
    return need(p, "write");
  };

  const visibleSamples = (p: Principal | undefined) =>
    [...store.samples.values()].filter((s) => store.canReadSample(s, p));
  const visibleData = (p: Principal | undefined) =>
    [...store.data.values()].filter((d) => store.canReadData(d, p));
  const visibleExecutions = (p: Principal | undefined) => {
    engine.advanceAll();
    return [...store.executions.values()].filter((e) => store.canReadExecution(e, p));
  };
  const visibleProjects = (p: Principal | undefined) =>
    [...store.projects.values()].filter((pr) => store.canReadProject(pr, p));

  const sharedWith = (r: Owned, p: Principal) =>
    !store.owns(r, p) && (r.sharedUsers.has(p.user.id) || p.user.groups.some((g) => r.sharedGroups.has(g)));

  const createdRange = <T extends { created: number }>(items: T[], query: Record<string, any>): T[] =>
    items.filter(
      (i) =>
        (query.created_gt === undefined || i.created >= query.created_gt) &&
        (query.created_lt === undefined || i.created <= query.created_lt),
    );

  const ownerMatches = (r: Owned, needle: string) => {
    const u = r.ownerId ? store.users.get(r.ownerId) : undefined;
    const g = r.groupOwner ? store.groups.get(r.groupOwner) : undefined;
    return [u?.name, u?.username, u?.email, g?.name, g?.slug].some((v) => contains(v, needle));
  };

  const organismId = (value: string): string | undefined => {
    if (store.organisms.has(value)) return value;
    const v = value.toLowerCase();
    for (const o of store.organisms.values())
      if (o.name.toLowerCase() === v || o.latinName.toLowerCase() === v) return o.id;
    if (v === "human") return "Hs";
    return undefined;
  };

  const share = (r: Owned, readable: boolean, ctx: RequestContext): HandlerResult => {
    const refusal = editable(r, readable, ctx.principal);
    if (refusal) return refusal;
    const body = ctx.body as { users?: string[]; groups?: string[] };
    const users = (body.users ?? []).map((u) => [u, store.userByName(u)] as const);
    const unknownUser = users.find(([, u]) => !u);
    if (unknownUser) return bad({ users: [`Unknown user ${unknownUser[0]}`] });
    const unknownGroup = (body.groups ?? []).find((g) => !store.groups.has(g));
    if (unknownGroup) return bad({ groups: [`Unknown group ${unknownGroup}`] });
    for (const [, u] of users) r.sharedUsers.add(u!.id);
    for (const g of body.groups ?? []) r.sharedGroups.add(g);
    return ok("Shared");
  };

  const transfer = (r: Owned, readable: boolean, ctx: RequestContext): HandlerResult => {
    const refusal = editable(r, readable, ctx.principal);
    if (refusal) return refusal;
    const user = store.userByName((ctx.body as { user: string }).user);
    if (!user) return bad({ user: [`Unknown user ${(ctx.body as { user: string }).user}`] });
    r.ownerId = user.id;
    r.groupOwner = null;
    return ok("Ownership transferred");
  };

  const remove = (r: Owned, readable: boolean, p: Principal | undefined): HandlerResult => {
    const refusal = editable(r, readable, p);
    if (refusal) return refusal;
    r.removed = true;
    return ok("Deleted");
  };

  const batchDelete = <T extends Owned>(
    ctx: RequestContext,
    lookup: (id: string) => T | undefined,
    readable: (r: T) => boolean,
  ): HandlerResult => {
    const p = ctx.principal as Principal;
    const scope = need(p, "write");
    if (scope) return scope;
    const idList = (ctx.body as { ids: (string | number)[] }).ids.map(String);
    const records = idList.map((id) => [id, lookup(id)] as const);
    const missing = records.find(([, r]) => !r || !readable(r));
    if (missing) return bad({ ids: [`Unknown id ${missing[0]}`] });
    if (records.some(([, r]) => !store.canEdit(r!, p))) return FORBIDDEN;
    for (const [, r] of records) r!.removed = true;
    return ok(`Deleted ${records.length}`, { deleted: records.length });
  };

  const admin = (p: Principal | undefined): HandlerResult | undefined =>
    !p?.user.isAdmin ? { status: 403, body: { error: "Admin only" } } : need(p, "write");

  /** Admin create, edit and delete over a registry of named types (sample types, data types). */
  const typeRegistry = (
    types: Map<string, { identifier: string; name: string; description: string }>,
    noun: string,
  ) => ({
    create({ body, principal }: RequestContext): HandlerResult {
      const refusal = admin(principal);
      if (refusal) return refusal;
      if (!body.identifier) return bad({ identifier: ["This field is required."] });
      if (types.has(body.identifier)) return bad({ identifier: ["Already exists."] });
      types.set(body.identifier, {
        identifier: body.identifier,
        name: body.name ?? body.identifier,
        description: body.description ?? "",
      });
      return ok(`${noun} created`);
    },
    edit({ pathParams, body, principal }: RequestContext): HandlerResult {
      const refusal = admin(principal);
      if (refusal) return refusal;
      const type = types.get(pathParams.typeId!);
      if (!type) return NOT_FOUND;
      if (body.name !== undefined) type.name = body.name;
      if (body.description !== undefined) type.description = body.description;
      return ok(`${noun} updated`);
    },
    remove({ pathParams, principal }: RequestContext): HandlerResult {
      const refusal = admin(principal);
      if (refusal) return refusal;
      if (!types.delete(pathParams.typeId!)) return NOT_FOUND;
      return ok(`${noun} deleted`);
    },
  });
  const dataTypeRegistry = typeRegistry(store.dataTypes, "Data type");
  const sampleTypeRegistry = typeRegistry(store.sampleTypes, "Sample type");

  async function dataBytes(d: DataRecord, start: number, end: number): Promise<Buffer> {
    if (d.content.kind === "text")
      return generateText(d.content.flavour, d.content.seed, d.size, d.filename).subarray(start, end);
    if (d.content.kind === "disk") {
      const handle = await open(d.content.path, "r");
      try {
        const length = Math.max(0, Math.min(end, d.size) - start);
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, start);
        return buffer;
      } finally {
        await handle.close();
      }
    }
    const out: Buffer[] = [];
    for (const c of chunks({ size: d.size, seed: d.content.seed }, start, Math.min(end, d.size))) out.push(c);
    return Buffer.concat(out);
  }

  async function looksBinary(path: string, filename: string): Promise<boolean> {
    if (BINARY_EXTENSIONS.has(filename.split(".").pop()!.toLowerCase())) return true;
    const handle = await open(path, "r");
    try {
      const buffer = Buffer.alloc(8192);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead).includes(0);
    } finally {
      await handle.close();
    }
  }

  // ------------------------------------------------------------------ upload form validation

  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  let router: SpecRouter;
  let implemented: Record<string, Handler> = {};
  const formValidators = new Map<string, ValidateFunction>();

  function formObject(form: Multipart, schemaName: string): Record<string, unknown> {
    const schema = deref(router.spec, { $ref: `#/components/schemas/${schemaName}` });
    const props = objectAt(schema, "properties");
    const typeOf = (node: Json | undefined) => (isObject(node) ? node.type : undefined);
    const object: Record<string, unknown> = {};
    for (const [key, values] of form.fields) {
      const prop = deref(router.spec, props[key]);
      const type = typeOf(prop);
      if (type === "array") {
        const items = isObject(prop) ? prop.items : undefined;
        const itemType = items ? typeOf(deref(router.spec, items)) : "string";
        object[key] = values.filter((v) => v !== "").map((v) => coerceFormValue(v, itemType));
        continue;
      }
      const value = values[values.length - 1]!;
      if (key === "data" && /^(|null|None)$/.test(value)) continue;
      object[key] = coerceFormValue(value, type);
    }
    for (const [key, file] of form.files) {
      if (key === "blob") object.blob = "";
      else object[key] = file.data.toString("utf8");
    }
    return object;
  }

  function validateForm(object: Record<string, unknown>, schemaName: string): HandlerResult | undefined {
    let fn = formValidators.get(schemaName);
    if (!fn) {
      fn = ajv.compile({ $ref: `spec#/components/schemas/${schemaName}` });
      formValidators.set(schemaName, fn);
    }
    if (fn(object)) return undefined;
    const problems: Record<string, string[]> = {};
    for (const e of fn.errors ?? []) {
      const field =
        e.keyword === "required"
          ? String((e.params as { missingProperty: string }).missingProperty)
          : e.instancePath.split("/")[1] || "__all__";
      const message =
        e.keyword === "required"
          ? "This field is required."
          : e.keyword === "pattern" && field === "sample_name"
            ? "Spaces in sample name"
            : `${e.instancePath.split("/").slice(2).join(".") || "value"} ${e.message ?? "is invalid"}`;
      (problems[field] ??= []).includes(message) || problems[field]!.push(message);
    }
    return { status: 400, body: problems };
  }

  // Extra checks per endpoint, on every chunk (the fields travel with each one).
  function checkSampleFields(object: Record<string, unknown>, user: User): HandlerResult | undefined {
    const type = String(object.sample_type);
    if (!store.sampleTypes.has(type))
      return fields("sample_type", `Select a valid choice. ${type} is not one of the available choices.`);
    if (
      object.organism !== undefined &&
      object.organism !== "" &&
      !store.organisms.has(String(object.organism))
    )
      return fields(
        "organism",
        `Select a valid choice. ${String(object.organism)} is not one of the available choices.`,
      );
    if (object.project !== undefined) {
      const project = store.projects.get(String(object.project));
      if (!project || project.removed || !store.canEdit(project, { user, kind: "jwt", scopes: new Set() }))
        return fields("project", "Project not found, or you cannot add samples to it");
    }
    for (const attribute of store.attributes.values()) {
      const value = object[attribute.identifier];
      if (value === undefined || value === "") {
        if (attribute.required || attribute.requiredFor.includes(type))
          return fields(attribute.identifier, "This field is required.");
        continue;
      }
      const text = String(value);
      if (
        attribute.options &&
        !attribute.allowUserTerms &&
        !attribute.options.some((o) => o.validated && o.value === text)
      )
        return fields(
          attribute.identifier,
          `Select a valid choice. ${text} is not one of the available choices.`,
        );
      if (attribute.regex && !new RegExp(attribute.regex).test(text))
        return fields(attribute.identifier, `Does not match ${attribute.regex}`);
    }
    for (const id of (object.previous_data as string[] | undefined) ?? []) {
      const previous = uploads.byId.get(String(id));
      if (!previous || previous.endpoint !== "sample" || previous.ownerId !== user.id || !previous.complete)
        return fields("previous_data", `No completed sample file ${String(id)} of yours`);
    }
    return undefined;
  }

  function annotationIssues(text: string, ignoreWarnings: boolean): HandlerResult | undefined {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
    const separator = (lines[0] ?? "").includes("\t") ? "\t" : ",";
    const header = (lines[0] ?? "").split(separator).map((h) => h.trim().toLowerCase().replace(/\s+/g, "_"));
    const validation: { row: number; column?: string; message: string }[] = [];
    const warnings: { row: number; column?: string; message: string }[] = [];
    const nameColumn = header.indexOf("sample_name");
    if (nameColumn < 0)
      validation.push({ row: 1, column: "sample_name", message: "Missing column sample_name" });
    const typeColumn = header.indexOf("sample_type");
    const organismColumn = header.indexOf("organism");
    lines.slice(1).forEach((line, i) => {
      const row = i + 2;
      const cells = line.split(separator).map((c) => c.trim());
      const name = nameColumn >= 0 ? (cells[nameColumn] ?? "") : "x";
      if (name === "") validation.push({ row, column: "sample_name", message: "Sample name is required" });
      else if (name.includes(" "))
        validation.push({ row, column: "sample_name", message: "Spaces in sample name" });
      const type = typeColumn >= 0 ? (cells[typeColumn] ?? "") : "";
      if (type !== "" && !store.sampleTypes.has(type))
        validation.push({ row, column: "sample_type", message: `Unknown sample type ${type}` });
      const organism = organismColumn >= 0 ? (cells[organismColumn] ?? "") : "";
      if (organism !== "" && !organismId(organism))
        warnings.push({ row, column: "organism", message: "Unknown organism; it will be ignored" });
    });
    if (validation.length) return { status: 400, body: { validation } };
    if (warnings.length && !ignoreWarnings) return { status: 400, body: { warnings } };
    return undefined;
  }

  function uploadHooks(endpoint: UploadEndpoint, user: User): ChunkHooks {
    const progress = (u: UploadState) =>
      endpoint === "sample" ? { data_id: u.id, sample_id: null } : { id: u.id };
    return {
      progress,
      create(input: ChunkInput) {
        const id = store.nextId("data");
        const name = input.filename.toLowerCase();
        const guessed = /\.f(ast)?q(\.gz)?$/.test(name) ? "fastq" : "generic";
        const dataType =
          endpoint === "annotation"
            ? "annotation"
            : endpoint === "data"
              ? String(input.fields.data_type ?? guessed)
              : guessed;
        const now = nowSeconds();
        store.data.set(id, {
          id,
          filename: input.filename,
          size: 0,
          created: now,
          category: { data: 1, annotation: 2, multiplexed: 3, sample: 4 }[endpoint],
          dataType,
          filesetId: null,
          sampleId: null,
          executionId: null,
          processName: null,
          isDirectory: false,
          isBinary: false,
          ready: false,
          content: { kind: "disk", path: join(uploadDir, `upload-${id}`) },
          pairedId: null,
          lastModified: new Date(now * 1000),
          ...ownedBy(user),
        });
        return id;
      },
      discard(u: UploadState) {
        store.data.delete(u.id);
        void unlink(u.path).catch(() => undefined);
      },
      async complete(u: UploadState) {
        const record = store.data.get(u.id)!;
        record.size = u.received;
        record.isBinary = await looksBinary(u.path, u.filename);
        record.lastModified = new Date();
        const f = u.fields;
        if (endpoint === "data") {
          record.isDirectory = f.is_directory === true;
          record.ready = true;
          return { id: u.id };
        }
        if (endpoint === "annotation") {
          if (/\.(csv|tsv|txt)$/i.test(u.filename)) {
            const text = (await dataBytes(record, 0, Math.min(u.received, 5 * 1024 * 1024))).toString("utf8");
            const refusal = annotationIssues(text, f.ignore_warnings === true);
            if (refusal) return refusal;
          }
          record.ready = true;
          return { id: u.id };
        }
        if (endpoint === "multiplexed") {
          record.ready = true;
          const first = f.reads1 !== undefined ? store.data.get(String(f.reads1)) : undefined;
          if (first) {
            first.pairedId = record.id;
            record.pairedId = first.id;
          }
          return { id: u.id };
        }
        // /upload/sample: the sample is created with its last file.
        record.ready = true;
        if (f.is_last_sample === false) return { data_id: u.id, sample_id: null };
        const previous = ((f.previous_data as string[] | undefined) ?? []).map(String);
        const now = nowSeconds();
        const metadata: Sample["metadata"] = {};
        for (const attribute of store.attributes.values()) {
          const value = f[attribute.identifier];
          if (value !== undefined && value !== "")
            metadata[attribute.identifier] = { value: String(value), annotation: null };
        }
        const project = f.project !== undefined ? store.projects.get(String(f.project)) : undefined;
        const sample: Sample = {
          id: store.nextId("sample"),
          name: String(f.sample_name),
          created: now,
          projectId: project?.id ?? null,
          organism: f.organism ? String(f.organism) : null,
          sampleType: String(f.sample_type),
          metadata,
          pubmed: "",
          source: null,
          purificationTarget: null,
          ...ownedBy(user),
        };
        store.samples.set(sample.id, sample);
        const dataIds = [...previous, u.id];
        const fileset = {
          id: store.nextId("fileset"),
          name: `${sample.name} reads`,
          created: now,
          sampleId: sample.id,
          organism: sample.organism,
          dataIds,
        };
        store.filesets.set(fileset.id, fileset);
        for (const id of dataIds) {
          const d = store.data.get(id);
          if (d) d.filesetId = fileset.id;
        }
        if (dataIds.length === 2) {
          store.data.get(dataIds[0]!)!.pairedId = dataIds[1]!;
          store.data.get(dataIds[1]!)!.pairedId = dataIds[0]!;
        }
        return { data_id: u.id, sample_id: sample.id };
      },
    };
  }

  async function uploadChunk(
    endpoint: UploadEndpoint,
    schemaName: string,
    ctx: RequestContext,
  ): Promise<HandlerResult> {
    const p = ctx.principal as Principal;
    const scope = need(p, "write");
    if (scope) return scope;
    if (!Buffer.isBuffer(ctx.body)) return bad("Send the chunk as multipart/form-data");
    const form = parseMultipart(ctx.body, String(ctx.headers["content-type"] ?? ""));
    if (!form) return bad("Malformed multipart/form-data body");
    const blob = form.files.get("blob");
    if (blob && blob.data.length > maxChunkBytes)
      return fields("blob", `Chunks may not exceed ${maxChunkBytes} bytes`);
    const filename = form.fields.get("filename")?.at(-1);
    if (filename !== undefined && filename.includes(" ")) return fields("filename", "Spaces in filename");
    const object = formObject(form, schemaName);
    const invalid = validateForm(object, schemaName);
    if (invalid) return invalid;
    if (
      endpoint === "data" &&
      object.data_type !== undefined &&
      !store.dataTypes.has(String(object.data_type))
    )
      return fields(
        "data_type",
        `Select a valid choice. ${String(object.data_type)} is not one of the available choices.`,
      );
    if (endpoint === "sample") {
      const refusal = checkSampleFields(object, p.user);
      if (refusal) return refusal;
    }
    if (endpoint === "multiplexed" && object.reads1 !== undefined) {
      const first = uploads.byId.get(String(object.reads1));
      if (!first || first.endpoint !== "multiplexed" || first.ownerId !== p.user.id || !first.complete)
        return fields("reads1", `No completed multiplexed upload ${String(object.reads1)} of yours`);
    }
    const result = await uploads.chunk(
      {
        endpoint,
        userId: p.user.id,
        filename: String(object.filename),
        offset: object.expected_file_size as number,
        isLast: object.is_last as boolean,
        uploadId: object.data === undefined ? undefined : String(object.data),
        blob: blob?.data ?? Buffer.alloc(0),
        fields: object,
      },
      uploadHooks(endpoint, p.user),
    );
    if (result === "reset") {
      ctx.req.socket.destroy();
      return { stream: true };
    }
    if ("status" in result && result.status >= 500) {
      // An injected proxy failure: not the API's answer, so not checked against the spec.
      send(ctx.res, result.status, result.body);
      return { stream: true };
    }
    return result;
  }

  // ------------------------------------------------------------------ downloads

  function serveData(ctx: RequestContext, d: DataRecord): HandlerResult {
    const { req, res } = ctx;
    const onBytes = (n: number) => {
      bytesDownloaded += n;
      const entry = recorded.get(req);
      if (entry) entry.bytesSent += n;
    };
    if (!truthy(ctx.query.direct))
      res.setHeader("content-disposition", `attachment; filename="${d.filename}"`);
    const type =
      d.dataType === "html" || filetype(d.filename) === "html"
        ? "text/html; charset=utf-8"
        : d.isBinary
          ? "application/octet-stream"
          : "text/plain; charset=utf-8";
    if (d.content.kind === "virtual") {
      serveFile(
        req,
        res,
        { size: d.size, seed: d.content.seed, contentType: type, lastModified: d.lastModified },
        faults,
        {
          onBytes,
        },
      );
    } else if (d.content.kind === "text") {
      const text = generateText(d.content.flavour, d.content.seed, d.size, d.filename);
      void serveSource(req, res, bufferSource(text, type, d.lastModified), faults, onBytes).catch(() =>
        res.destroy(),
      );
    } else {
      const upload = uploads.byId.get(d.id);
      void serveSource(
        req,
        res,
        diskSource(
          d.content.path,
          d.size,
          upload ? uploads.sha256(upload) : d.id.padStart(20, "0"),
          type,
          d.lastModified,
        ),
        faults,
        onBytes,
      ).catch(() => res.destroy());
    }
    return { stream: true };
  }

  const archiveOf = (e: Execution): VirtualFile => ({
    size: archiveBytes,
    seed: e.archiveSeed,
    contentType: "application/zip",
    lastModified: new Date((e.finished ?? e.created) * 1000),
  });

  // ------------------------------------------------------------------ the router

  router = new SpecRouter({
    spec: await portalSpec("flow"),
    errorBody: (_status, message) => ({ error: message }),
    validationStatus: 400,
    validationBody: (problems) => {
      const byField: Record<string, string[]> = {};
      for (const p of problems) (byField[p.name || "__all__"] ??= []).push(p.message);
      return { error: byField };
    },
    authenticate(req, security): { principal: unknown } | { reject: HandlerResult } {
      if (security.some((alt) => alt.includes("RefreshCookie")))
        return { principal: readCookie(req, REFRESH_COOKIE) };
      const anonymous = security.length === 0 || security.some((alt) => alt.length === 0);
      const verified = auth.verify(req);
      if ("principal" in verified) return { principal: verified.principal };
      if (anonymous) {
        if (verified.error !== "missing") auth.stats.anonymousFallbacks++;
        return { principal: undefined };
      }
      auth.stats.rejected++;
      return {
        reject: {
          status: 401,
          body: { error: UNAUTHORIZED_MESSAGES[verified.error] },
          headers: { "www-authenticate": 'Bearer realm="api"' },
        },
      };
    },
    handlers: (implemented = {
      // -------------------------------------------------------------- auth
      login({ body }) {
        const user = store.userByName(String(body.username));
        if (!user || user.password !== body.password) {
          auth.stats.loginFailures++;
          return bad("Invalid credentials");
        }
        auth.stats.logins++;
        return {
          status: 200,
          body: { token: auth.issueAccess(user), user: views.loginUser(user) },
          headers: { "set-cookie": auth.refreshCookie(auth.issueRefresh(user)) },
        };
      },
      signup({ body }) {
        if (store.userByName(body.username))
          return bad({ username: ["A user with that username already exists."] });
        if ([...store.users.values()].some((u) => u.email === body.email))
          return bad({ email: ["A user with that email already exists."] });
        if (!/^[\w.@+-]+$/.test(body.username)) return bad({ username: ["Enter a valid username."] });
        if (String(body.password).length < 8) return bad({ password: ["This password is too short."] });
        const user: User = {
          id: store.nextId("user"),
          username: body.username,
          password: body.password,
          name: [body.first_name, body.last_name].filter(Boolean).join(" ") || body.username,
          email: body.email,
          firstName: body.first_name ?? "",
          lastName: body.last_name ?? "",
          image: null,
          isAdmin: false,
          canRunPipelines: true,
          groups: [],
          adminOf: [],
          sshKey: null,
          created: nowSeconds(),
        };
        store.users.set(user.id, user);
        auth.stats.logins++;
        return {
          status: 200,
          body: { token: auth.issueAccess(user), user: views.loginUser(user) },
          headers: { "set-cookie": auth.refreshCookie(auth.issueRefresh(user)) },
        };
      },
      oidcLogin: () => bad("OIDC login is not configured on this instance"),
      logout({ req }) {
        auth.revokeRefresh(readCookie(req, REFRESH_COOKIE));
        return {
          status: 200,
          body: { success: true, message: "Logged out" },
          headers: { "set-cookie": auth.clearCookie() },
        };
      },
      getMe: ({ principal }) => ({ status: 200, body: views.me((principal as Principal).user) }),
      refreshToken({ principal }) {
        const result = auth.refresh(principal as string | undefined);
        if ("error" in result) return bad(result.error);
        return {
          status: 200,
          body: { token: result.token, user: views.loginUser(result.user) },
          headers: result.rotated ? { "set-cookie": auth.refreshCookie(result.rotated) } : {},
        };
      },
      requestPasswordReset({ body }) {
        const user = [...store.users.values()].find((u) => u.email === body.email);
        if (user) outbox.push({ email: user.email, token: randomUUID() });
        return ok("If the address is registered, a reset link has been sent");
      },
      resetPassword({ body }) {
        const index = outbox.findIndex((m) => m.token === body.token);
        if (index < 0) return bad("Invalid or expired token");
        const user = [...store.users.values()].find((u) => u.email === outbox[index]!.email)!;
        outbox.splice(index, 1);
        user.password = body.password;
        auth.revokeAllRefresh(user.id);
        return ok("Password reset");
      },
      updateUserSettings({ body, principal }) {
        const p = principal as Principal;
        const refusal = need(p, "write");
        if (refusal) return refusal;
        if (body.email && [...store.users.values()].some((u) => u.email === body.email && u !== p.user))
          return bad({ email: ["A user with that email already exists."] });
        if (body.first_name !== undefined) p.user.firstName = body.first_name;
        if (body.last_name !== undefined) p.user.lastName = body.last_name;
        if (body.email !== undefined) p.user.email = body.email;
        if (body.first_name !== undefined || body.last_name !== undefined)
          p.user.name = `${p.user.firstName} ${p.user.lastName}`.trim();
        return ok("Settings updated");
      },
      updatePassword({ body, principal }) {
        const p = principal as Principal;
        const refusal = need(p, "write");
        if (refusal) return refusal;
        if (body.current_password !== p.user.password)
          return bad({ current_password: ["Incorrect password."] });
        if (String(body.new_password).length < 8)
          return bad({ new_password: ["This password is too short."] });
        p.user.password = body.new_password;
        return ok("Password updated");
      },
      updateSshKey({ body, principal }) {
        const p = principal as Principal;
        const refusal = need(p, "write");
        if (refusal) return refusal;
        if (!/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+) [A-Za-z0-9+/=]+/.test(String(body.ssh_key)))
          return bad({ ssh_key: ["Not a valid SSH public key."] });
        p.user.sshKey = body.ssh_key;
        return ok("SSH key updated");
      },

      // -------------------------------------------------------------- users and groups
      searchUsers({ query }) {
        let users = [...store.users.values()];
        if (query.name)
          users = users.filter((u) => contains(u.name, query.name) || contains(u.username, query.name));
        if (query.exclude_group) users = users.filter((u) => !u.groups.includes(query.exclude_group));
        users.sort((a, b) => a.username.localeCompare(b.username));
        return paged("users", users, query, (u) => views.userRow(u));
      },
      searchGroups({ query }) {
        let groups = [...store.groups.keys()];
        if (query.q)
          groups = groups.filter((g) => contains(g, query.q) || contains(store.groups.get(g)!.name, query.q));
        return paged("groups", groups.sort(), query, (g) => ({
          ...views.group(g),
          user_count: [...store.users.values()].filter((u) => u.groups.includes(g)).length,
        }));
      },

      // -------------------------------------------------------------- data
      listOwnedData({ query, principal }) {
        const p = principal as Principal;
        let data = visibleData(p).filter((d) => store.owns(d, p));
        if (query.filter) data = data.filter((d) => contains(d.filename, query.filter));
        return paged(
          "data",
          sortBy(data, "-created", (d) => d.filename),
          query,
          (d) => views.dataRow(d, p),
        );
      },
      listSharedData({ query, principal }) {
        const p = principal as Principal;
        let data = visibleData(p).filter((d) => sharedWith(d, p));
        if (query.filter) data = data.filter((d) => contains(d.filename, query.filter));
        return paged(
          "data",
          sortBy(data, "-created", (d) => d.filename),
          query,
          (d) => views.dataRow(d, p),
        );
      },
      searchData({ query, principal }) {
        const p = principal as Principal | undefined;
        let data = visibleData(p);
        if (query.filename) data = data.filter((d) => contains(d.filename, query.filename));
        if (query.pattern) {
          let regex: RegExp;
          try {
            regex = new RegExp(query.pattern);
          } catch {
            return bad({ pattern: ["Invalid regular expression."] });
          }
          data = data.filter((d) => regex.test(d.filename));
        }
        if (query.owned === true) data = data.filter((d) => (p ? store.owns(d, p) : d.ownerId === null));
        if (query.uploaded === true) data = data.filter((d) => d.executionId === null);
        if (query.uploaded === false) data = data.filter((d) => d.executionId !== null);
        if (query.is_single !== undefined) {
          data = data.filter((d) => {
            const fileset = d.filesetId ? store.filesets.get(d.filesetId) : undefined;
            const size = fileset?.dataIds.length ?? 1;
            return query.is_single ? size <= 1 : size > 1 && fileset!.dataIds[0] === d.id;
          });
        }
        if (query.category !== undefined) data = data.filter((d) => d.category === query.category);
        if (query.data_types) {
          const types = new Set(
            String(query.data_types)
              .split(",")
              .map((t) => t.trim()),
          );
          data = data.filter((d) => d.dataType !== null && types.has(d.dataType));
        }
        if (query.size_gt !== undefined) data = data.filter((d) => d.size >= query.size_gt);
        if (query.size_lt !== undefined) data = data.filter((d) => d.size <= query.size_lt);
        data = createdRange(data, query);
        if (query.owner) data = data.filter((d) => ownerMatches(d, query.owner));
        if (query.process_execution)
          data = data.filter((d) => contains(d.processName, query.process_execution));
        if (query.pipeline) {
          data = data.filter((d) => {
            const e = d.executionId ? store.executions.get(d.executionId) : undefined;
            return e !== undefined && store.pipelineOfExecution(e).pipeline.id === query.pipeline;
          });
        }
        const sorted = sortBy(data, query.sort, (d) => d.filename);
        return paged("data", sorted, query, (d) => views.dataRow(d, p, false, query.is_single === false));
      },
      getData({ pathParams, principal }) {
        const d = store.data.get(pathParams.dataId);
        if (!d || !store.canReadData(d, principal)) return NOT_FOUND;
        return { status: 200, body: views.dataDetail(d, principal) };
      },
      async getDataContents({ pathParams, query, principal }) {
        const d = store.data.get(pathParams.dataId);
        if (!d || !store.canReadData(d, principal)) return NOT_FOUND;
        if (d.isDirectory) return bad("Data is directory");
        if (d.isBinary) return bad("Data is binary");
        const chunk = 10240;
        const start = ((query.position as number | undefined) ?? 0) * chunk;
        const end = Math.min(d.size, start + chunk);
        const bytes = start < d.size ? await dataBytes(d, start, end) : Buffer.alloc(0);
        return { status: 200, body: { contents: bytes.toString("utf8"), has_more: end < d.size } };
      },
      getDataDownstream({ pathParams, principal }) {
        const d = store.data.get(pathParams.dataId);
        if (!d || !store.canReadData(d, principal)) return NOT_FOUND;
        const executions = visibleExecutions(principal).filter(
          (e) => e.inputIds.includes(d.id) || Object.values(e.dataParams).map(String).includes(d.id),
        );
        return { status: 200, body: { executions: executions.map((e) => views.executionRow(e, principal)) } };
      },
      importData({ body, principal }) {
        const p = principal as Principal;
        const refusal = need(p, "write");
        if (refusal) return refusal;
        if (!["s3", "url", "http", "https", "ftp"].includes(String(body.source)))
          return bad({ source: [`Unsupported source ${String(body.source)}`] });
        if (body.data_type !== undefined && !store.dataTypes.has(String(body.data_type).toLowerCase()))
          return bad({ data_type: [`Unknown data type ${String(body.data_type)}`] });
        const sample = body.sample_id !== undefined ? store.samples.get(String(body.sample_id)) : undefined;
        if (body.sample_id !== undefined && (!sample || !store.canEdit(sample, p)))
          return bad({ sample_id: ["Sample not found, or not yours"] });
        const filename = String(body.path).split("/").filter(Boolean).pop() ?? "imported";
        const now = nowSeconds();
        const id = store.nextId("data");
        const hash = [...String(body.path)].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
        store.data.set(id, {
          id,
          filename: filename.replace(/\s+/g, "_"),
          size: 100_000 + (hash % 900_000),
          created: now,
          category: 1,
          dataType: body.data_type ? String(body.data_type).toLowerCase() : "generic",
          filesetId: null,
          sampleId: sample?.id ?? null,
          executionId: null,
          processName: null,
          isDirectory: false,
          isBinary: true,
          ready: true,
          content: { kind: "virtual", seed: hash },
          pairedId: null,
          lastModified: new Date(now * 1000),
          ...ownedBy(p.user),
        });
        return ok("Import complete", { id });
      },
      shareData: (ctx) => {
        const d = store.data.get(ctx.pathParams.dataId);
        return share(d!, !!d && store.canReadData(d, ctx.principal), ctx);
      },
      transferData: (ctx) => {
        const d = store.data.get(ctx.pathParams.dataId);
        return transfer(d!, !!d && store.canReadData(d, ctx.principal), ctx);
      },
      deleteData: ({ pathParams, principal }) => {
        const d = store.data.get(pathParams.dataId);
        return remove(d!, !!d && store.canReadData(d, principal), principal);
      },
      deleteDataBatch: (ctx) =>
        batchDelete(
          ctx,
          (id) => store.data.get(id),
          (d) => store.canReadData(d, ctx.principal),
        ),
      listDataTypes: () => ({ status: 200, body: dataTypes() }),
      listAvailableDataTypes: () => ({ status: 200, body: dataTypes() }),
      createDataType: dataTypeRegistry.create,
      editDataType: dataTypeRegistry.edit,
      deleteDataType: dataTypeRegistry.remove,

      // -------------------------------------------------------------- filesets
      searchFilesets({ query, principal }) {
        let filesets = [...store.filesets.values()].filter((f) => filesetReadable(f, principal));
        if (query.filter) filesets = filesets.filter((f) => contains(f.name, query.filter));
        if (query.sample) filesets = filesets.filter((f) => f.sampleId === query.sample);
        if (query.has_data !== undefined)
          filesets = filesets.filter((f) =>
            f.dataIds.some((id) => store.data.get(id)?.ready) ? query.has_data : !query.has_data,
          );
        return paged(
          "filesets",
          sortBy(filesets, "-created", (f) => f.name),
          query,
          (f) => views.fileset(f),
        );
      },
      getFileset({ pathParams, principal }) {
        const f = store.filesets.get(pathParams.filesetId);
        if (!f || !filesetReadable(f, principal)) return NOT_FOUND;
        return { status: 200, body: views.fileset(f) };
      },
      listFilesetExecutions({ pathParams, query, principal }) {
        const f = store.filesets.get(pathParams.filesetId);
        if (!f || !filesetReadable(f, principal)) return NOT_FOUND;
        const executions = visibleExecutions(principal).filter((e) => e.filesetId === f.id);
        return paged(
          "executions",
          sortBy(executions, "-created", (e) => e.identifier),
          query,
          (e) => views.executionRow(e, principal),
        );
      },

      // -------------------------------------------------------------- uploads
      uploadData: (ctx) => uploadChunk("data", "DataUploadChunk", ctx),
      uploadSample: (ctx) => uploadChunk("sample", "SampleUploadChunk", ctx),
      uploadMultiplexed: (ctx) => uploadChunk("multiplexed", "MultiplexedUploadChunk", ctx),
      uploadAnnotation: (ctx) => uploadChunk("annotation", "AnnotationUploadChunk", ctx),

      // -------------------------------------------------------------- downloads
      downloadData(ctx) {
        const d = store.data.get(ctx.pathParams.dataId);
        if (!d || !store.canReadData(d, ctx.principal) || d.filename !== ctx.pathParams.filename)
          return BARE_404;
        return serveData(ctx, d);
      },
      getBulkDownloadStatus: () => ({ status: 404, body: { error: "No bulk download job" } }),
      downloadBulkArchive: () => BARE_404,
      downloadExecutionResults(ctx) {
        const e = store.executions.get(ctx.pathParams.executionId);
        if (!e || !store.canReadExecution(e, ctx.principal)) return BARE_404;
        engine.advance(e);
        if (e.status !== "OK" || ctx.pathParams.filename !== "results.zip") return BARE_404;
        ctx.res.setHeader("content-disposition", `attachment; filename="${e.identifier}_results.zip"`);
        serveFile(ctx.req, ctx.res, archiveOf(e), faults, {
          onBytes: (n) => {
            bytesDownloaded += n;
            const entry = recorded.get(ctx.req);
            if (entry) entry.bytesSent += n;
          },
        });
        return { stream: true };
      },
      getAnnotationTemplate({ pathParams, req, res }) {
        const type = pathParams.sampleType as string;
        if (type !== "generic" && !store.sampleTypes.has(type)) return NOT_FOUND;
        const headers = ["sample_name", "sample_type", "organism", "project", "barcode", "reads1", "reads2"];
        for (const a of store.attributes.values())
          if (type !== "generic" && (a.inTable || a.requiredFor.includes(type))) headers.push(a.identifier);
        const workbook = xlsxWithHeaders(type, headers);
        res.setHeader("content-disposition", `attachment; filename="${type}_annotation.xlsx"`);
        const xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        void serveSource(req, res, bufferSource(workbook, xlsx, new Date(EPOCH * 1000)), faults);
        return { stream: true };
      },

      // -------------------------------------------------------------- search
      quickSearch({ query, principal }) {
        const q = String(query.q);
        const limit = (query.limit as number | undefined) ?? 10;
        const hits = <T>(
          items: T[],
          type: string,
          name: (t: T) => string,
          id: (t: T) => string,
          url: string,
        ) =>
          items
            .filter((i) => contains(name(i), q))
            .slice(0, limit)
            .map((i) => ({ id: id(i), name: name(i), type, url: `/${url}/${id(i)}/` }));
        const results = {
          samples: hits(
            visibleSamples(principal),
            "sample",
            (s) => s.name,
            (s) => s.id,
            "samples",
          ),
          projects: hits(
            visibleProjects(principal),
            "project",
            (pr) => pr.name,
            (pr) => pr.id,
            "projects",
          ),
          executions: hits(
            visibleExecutions(principal),
            "execution",
            (e) => `${e.identifier} ${store.pipelineOfExecution(e).pipeline.name}`,
            (e) => e.id,
            "executions",
          ),
          data: hits(
            visibleData(principal),
            "data",
            (d) => d.filename,
            (d) => d.id,
            "data",
          ),
        };
        const total = Object.values(results).reduce((n, list) => n + list.length, 0);
        return { status: 200, body: { results, total_count: total, query: q } };
      },
      getSearchInfo: ({ principal }) => ({
        status: 200,
        body: {
          organisms: [...store.organisms.values()].map((o) => ({ id: o.id, name: o.name })),
          pipelines: [...store.pipelines.values()]
            .filter((pl) => store.visibleVersions(pl, principal).length > 0)
            .map((pl) => ({ id: pl.id, name: pl.name })),
          sample_types: [...store.sampleTypes.keys()],
          data_types: [...store.dataTypes.keys()],
        },
      }),

      // -------------------------------------------------------------- pipelines
      listPipelines({ principal }) {
        engine.advanceAll();
        const executionCounts = new Map<string, number>();
        for (const e of store.executions.values()) {
          const id = store.versions.get(e.versionId)!.pipelineId;
          executionCounts.set(id, (executionCounts.get(id) ?? 0) + 1);
        }
        const tree = store.categories
          .map((category) => ({
            name: category.name,
            description: category.description,
            subcategories: category.subcategories
              .map((sub) => ({
                name: sub.name,
                description: sub.description,
                pipelines: [...store.pipelines.values()]
                  .filter(
                    (pl) =>
                      pl.category === category.name &&
                      pl.subcategory === sub.name &&
                      store.visibleVersions(pl, principal).length > 0,
                  )
                  .map((pl) => ({
                    id: pl.id,
                    name: pl.name,
                    description: pl.description,
                    execution_count: executionCounts.get(pl.id) ?? 0,
                    is_nfcore: pl.isNfcore,
                    prepares_genome: pl.preparesGenome,
                  })),
              }))
              .filter((sub) => sub.pipelines.length > 0),
          }))
          .filter((category) => category.subcategories.length > 0);
        return { status: 200, body: tree };
      },
      getPipeline({ pathParams, principal }) {
        const pipeline = store.pipelines.get(pathParams.pipelineId);
        const versions = pipeline ? store.visibleVersions(pipeline, principal) : [];
        if (!pipeline || versions.length === 0) return NOT_FOUND;
        return {
          status: 200,
          body: {
            id: pipeline.id,
            name: pipeline.name,
            is_nfcore: pipeline.isNfcore,
            prepares_genome: pipeline.preparesGenome,
            repo_url: pipeline.repoUrl,
            repo_original_url: pipeline.repoUrl,
            versions: versions.map((v) => ({
              id: v.id,
              name: v.name,
              nextflow_versions: v.nextflowVersions,
            })),
          },
        };
      },
      getPipelineVersion({ pathParams, principal }) {
        const v = store.versions.get(pathParams.versionId);
        if (!v || !store.canReadVersion(v, principal)) return NOT_FOUND;
        return {
          status: 200,
          body: {
            id: v.id,
            name: v.name,
            long_description: v.longDescription,
            upstream_pipeline_versions: [],
            nextflow_versions: v.nextflowVersions,
            schema: v.schema,
          },
        };
      },
      runPipeline: (ctx) => runPipeline(ctx),

      // -------------------------------------------------------------- executions
      searchExecutions({ query, principal }) {
        const p = principal as Principal | undefined;
        let executions = visibleExecutions(p);
        const pv = (e: Execution) => store.pipelineOfExecution(e);
        if (query.name) {
          executions = executions.filter((e) => {
            const { pipeline, version } = pv(e);
            const fileset = e.filesetId ? store.filesets.get(e.filesetId) : undefined;
            const organism = fileset?.organism ? store.organisms.get(fileset.organism)?.name : undefined;
            return [pipeline.name, version.name, organism, fileset?.name].some((v) =>
              contains(v, query.name),
            );
          });
        }
        if (query.owned === true)
          executions = executions.filter((e) => (p ? store.owns(e, p) : e.ownerId === null));
        if (query.pipeline) executions = executions.filter((e) => pv(e).pipeline.id === query.pipeline);
        if (query.pipeline_version)
          executions = executions.filter((e) => e.versionId === query.pipeline_version);
        if (query.pipeline_versions) {
          const wanted = new Set(
            String(query.pipeline_versions)
              .split(",")
              .map((s) => s.trim()),
          );
          executions = executions.filter((e) => wanted.has(e.versionId));
        }
        if (query.organism) {
          executions = executions.filter((e) => {
            const fileset = e.filesetId ? store.filesets.get(e.filesetId) : undefined;
            return fileset?.organism === query.organism;
          });
        }
        if (query.status !== undefined) executions = executions.filter((e) => e.status === query.status);
        if (query.owner) executions = executions.filter((e) => ownerMatches(e, query.owner));
        executions = createdRange(executions, query);
        const duration = (e: Execution) =>
          e.started !== null && e.finished !== null ? e.finished - e.started : undefined;
        if (query.duration_gt !== undefined)
          executions = executions.filter((e) => (duration(e) ?? -1) >= query.duration_gt);
        if (query.duration_lt !== undefined)
          executions = executions.filter((e) => {
            const d = duration(e);
            return d !== undefined && d <= query.duration_lt;
          });
        if (query.process_execution)
          executions = executions.filter((e) =>
            e.processes.some((pe) => contains(pe.name, query.process_execution)),
          );
        if (query.nextflow_version)
          executions = executions.filter((e) => e.nextflowVersion === query.nextflow_version);
        if (query.terminal)
          executions = executions.filter(
            (e) => contains(e.stdout, query.terminal) || contains(e.stderr, query.terminal),
          );
        const sorted = sortBy(executions, query.sort, (e) => e.identifier);
        return paged("executions", sorted, query, (e) =>
          views.executionRow(e, p, {
            returnData: query.return_data === true,
            returnInputs: query.return_inputs === true,
          }),
        );
      },
      listOwnedExecutions({ query, principal }) {
        const p = principal as Principal;
        let executions = visibleExecutions(p).filter((e) => store.owns(e, p));
        if (query.status !== undefined) executions = executions.filter((e) => e.status === query.status);
        if (query.pipeline)
          executions = executions.filter((e) => store.pipelineOfExecution(e).pipeline.id === query.pipeline);
        return paged(
          "executions",
          sortBy(executions, "-created", (e) => e.identifier),
          query,
          (e) => views.executionRow(e, p),
        );
      },
      listSharedExecutions({ query, principal }) {
        const p = principal as Principal;
        const executions = visibleExecutions(p).filter((e) => sharedWith(e, p));
        return paged(
          "executions",
          sortBy(executions, "-created", (e) => e.identifier),
          query,
          (e) => views.executionRow(e, p),
        );
      },
      getExecution({ pathParams, query, principal }) {
        const e = store.executions.get(pathParams.executionId);
        if (!e || !store.canReadExecution(e, principal)) return NOT_FOUND;
        const include = query.include as string[] | undefined;
        const exclude = query.exclude as string[] | undefined;
        if (include?.length && exclude?.length) return bad("Cannot use both include and exclude");
        const detail = views.executionDetail(e, principal, (query.log as number | undefined) ?? 0);
        if (include?.length)
          for (const key of Object.keys(detail)) if (!include.includes(key)) delete detail[key];
        if (exclude?.length) for (const key of exclude) delete detail[key];
        return { status: 200, body: detail };
      },
      cancelExecution({ pathParams, principal }) {
        const p = principal as Principal;
        const e = store.executions.get(pathParams.executionId);
        if (!e || !store.canReadExecution(e, p)) return NOT_FOUND;
        if (!store.canEdit(e, p)) return FORBIDDEN;
        if (!p.scopes.has("run")) return FORBIDDEN_SCOPE;
        if (!engine.cancel(e))
          return {
            status: 200,
            body: { success: false, message: `Execution already finished (${e.status})` },
          };
        return { status: 200, body: { success: true, message: "Execution cancellation requested" } };
      },
      shareExecution: (ctx) => {
        const e = store.executions.get(ctx.pathParams.executionId);
        return share(e!, !!e && store.canReadExecution(e, ctx.principal), ctx);
      },
      transferExecution: (ctx) => {
        const e = store.executions.get(ctx.pathParams.executionId);
        return transfer(e!, !!e && store.canReadExecution(e, ctx.principal), ctx);
      },
      deleteExecution: ({ pathParams, principal }) => {
        const e = store.executions.get(pathParams.executionId);
        return remove(e!, !!e && store.canReadExecution(e, principal), principal);
      },
      deleteExecutionsBatch: (ctx) =>
        batchDelete(
          ctx,
          (id) => store.executions.get(id),
          (e) => store.canReadExecution(e, ctx.principal),
        ),
      getQueueStatus({ principal }) {
        const p = principal as Principal;
        engine.advanceAll();
        const all = [...store.executions.values()].filter((e) => !e.removed);
        const inFlight = all.filter((e) => IN_FLIGHT.has(e.status)).sort((a, b) => a.created - b.created);
        const today = nowSeconds() - 86400;
        return {
          status: 200,
          body: {
            pending: inFlight.filter((e) => e.status === "").length,
            running: inFlight.filter((e) => e.status === "-").length,
            completed_today: all.filter((e) => e.status === "OK" && (e.finished ?? 0) >= today).length,
            failed_today: all.filter((e) => e.status === "ERROR" && (e.finished ?? 0) >= today).length,
            queue: inFlight
              .map((e, i) => ({ e, position: i + 1 }))
              .filter(({ e }) => store.canReadExecution(e, p))
              .map(({ e, position }) => ({
                id: e.id,
                name: `${store.pipelineOfExecution(e).pipeline.name} ${e.identifier}`,
                status: e.status === "" ? "pending" : "running",
                position,
                submitted: e.created,
              })),
          },
        };
      },

      // -------------------------------------------------------------- samples
      listOwnedSamples({ query, principal }) {
        const p = principal as Principal;
        let samples = visibleSamples(p).filter((s) => store.owns(s, p));
        if (query.filter) samples = samples.filter((s) => sampleFilter(s, query.filter));
        if (query.organism) samples = samples.filter((s) => s.organism === query.organism);
        return paged(
          "samples",
          sortBy(samples, "-created", (s) => s.name),
          query,
          (s) => views.sampleRow(s, p),
        );
      },
      listSharedSamples({ query, principal }) {
        const p = principal as Principal;
        const samples = visibleSamples(p).filter((s) => sharedWith(s, p));
        return paged(
          "samples",
          sortBy(samples, "-created", (s) => s.name),
          query,
          (s) => views.sampleRow(s, p),
        );
      },
      searchSamples({ query, rawQuery, principal }) {
        const p = principal as Principal | undefined;
        let samples = visibleSamples(p);
        if (query.owned === true)
          samples = samples.filter((s) => (p ? store.owns(s, p) : s.ownerId === null));
        if (query.name) samples = samples.filter((s) => contains(s.name, query.name));
        if (query.organism) {
          const o = String(query.organism);
          if (/^(true|yes|1)$/i.test(o)) samples = samples.filter((s) => s.organism !== null);
          else if (/^(false|no|0)$/i.test(o)) samples = samples.filter((s) => s.organism === null);
          else samples = samples.filter((s) => s.organism === o);
        }
        if (query.sample_types) {
          const types = new Set(
            String(query.sample_types)
              .split(",")
              .map((t) => t.trim()),
          );
          samples = samples.filter((s) => s.sampleType !== null && types.has(s.sampleType));
        }
        if (query.owner) samples = samples.filter((s) => ownerMatches(s, query.owner));
        if (query.project)
          samples = samples.filter((s) =>
            contains(s.projectId ? store.projects.get(s.projectId)?.name : "", query.project),
          );
        samples = createdRange(samples, query);
        // Metadata filters: ?<attribute identifier>=<substring | true | false>.
        for (const attribute of store.attributes.keys()) {
          const wanted = rawQuery.getAll(attribute).at(-1);
          if (wanted === undefined) continue;
          if (/^(true|yes|1)$/i.test(wanted))
            samples = samples.filter((s) => s.metadata[attribute] !== undefined);
          else if (/^(false|no|0)$/i.test(wanted))
            samples = samples.filter((s) => s.metadata[attribute] === undefined);
          else samples = samples.filter((s) => contains(s.metadata[attribute]?.value, wanted));
        }
        const sorted = sortBy(samples, query.sort, (s) => s.name);
        return paged("samples", sorted, query, (s) => views.sampleRow(s, p, query.full_metadata === true));
      },
      getSample({ pathParams, principal }) {
        const s = store.samples.get(pathParams.sampleId);
        if (!s || !store.canReadSample(s, principal)) return NOT_FOUND;
        return { status: 200, body: views.sampleDetail(s, principal) };
      },
      listSampleData({ pathParams, query, principal }) {
        const s = store.samples.get(pathParams.sampleId);
        if (!s || !store.canReadSampleStrict(s, principal)) return NOT_FOUND;
        let data = store.sampleData(s).filter((d) => store.canReadData(d, principal));
        if (query.filter) {
          data = data.filter((d) => {
            const e = d.executionId ? store.executions.get(d.executionId) : undefined;
            return [
              d.filename,
              d.processName,
              e && store.pipelineOfExecution(e).pipeline.name,
              s.name,
              store.ownerName(d),
            ].some((v) => contains(v ?? "", query.filter));
          });
        }
        return paged(
          "data",
          sortBy(data, "-created", (d) => d.filename),
          query,
          (d) => views.dataRow(d, principal, true),
        );
      },
      listSampleExecutions({ pathParams, query, principal }) {
        const s = store.samples.get(pathParams.sampleId);
        if (!s || !store.canReadSampleStrict(s, principal)) return NOT_FOUND;
        engine.advanceAll();
        let executions = store.sampleExecutions(s).filter((e) => store.canReadExecution(e, principal));
        if (query.filter) executions = executions.filter((e) => executionFilter(e, query.filter));
        return paged(
          "executions",
          sortBy(executions, "-created", (e) => e.identifier),
          query,
          (e) => views.executionRow(e, principal, { isoDates: true }),
        );
      },
      shareSample: (ctx) => {
        const s = store.samples.get(ctx.pathParams.sampleId);
        return share(s!, !!s && store.canReadSample(s, ctx.principal), ctx);
      },
      transferSample: (ctx) => {
        const s = store.samples.get(ctx.pathParams.sampleId);
        return transfer(s!, !!s && store.canReadSample(s, ctx.principal), ctx);
      },
      deleteSample: ({ pathParams, principal }) => {
        const s = store.samples.get(pathParams.sampleId);
        return remove(s!, !!s && store.canReadSample(s, principal), principal);
      },
      deleteSamplesBatch: (ctx) =>
        batchDelete(
          ctx,
          (id) => store.samples.get(id),
          (s) => store.canReadSample(s, ctx.principal),
        ),
      listSampleSources: () => ({ status: 200, body: { sources: store.sources } }),
      listPurificationTargets: () => ({ status: 200, body: { targets: store.purificationTargets } }),
      listSampleTypes() {
        const types = [...store.sampleTypes.values()].sort((a, b) => a.name.localeCompare(b.name));
        return {
          status: 200,
          body: types.map((t) => ({
            identifier: t.identifier,
            name: t.name,
            description: t.description,
            sample_count: [...store.samples.values()].filter(
              (s) => s.sampleType === t.identifier && !s.removed,
            ).length,
            attributes: [...store.attributes.values()]
              .filter(
                (a) =>
                  a.options &&
                  [...store.samples.values()].some(
                    (s) => s.sampleType === t.identifier && s.metadata[a.identifier],
                  ),
              )
              .map((a) => ({ identifier: a.identifier, name: a.name })),
          })),
        };
      },
      createSampleType: sampleTypeRegistry.create,
      editSampleType: sampleTypeRegistry.edit,
      deleteSampleType: sampleTypeRegistry.remove,
      listSampleMetadataAttributes() {
        const attributes = [...store.attributes.values()].sort((a, b) => a.order - b.order);
        return {
          status: 200,
          body: attributes.map((a) => ({
            identifier: a.identifier,
            name: a.name,
            description: a.description,
            in_table: a.inTable,
            has_options: a.options !== null,
            all_sample_types: a.requiredFor.length === 0,
            regex_validator: a.regex,
            required: a.required,
            required_for_public: false,
            is_list: a.isList,
            allow_user_terms: a.allowUserTerms,
            allow_annotation: a.allowAnnotation,
            url_pattern: a.urlPattern,
            order: a.order,
            sample_count: [...store.samples.values()].filter((s) => !s.removed && s.metadata[a.identifier])
              .length,
            sample_type_links: a.requiredFor.map((t) => ({
              sample_type_identifier: t,
              sample_type_name: store.sampleTypes.get(t)?.name ?? t,
              required: true,
              required_for_public: false,
            })),
          })),
        };
      },
      listMetadataOptions({ pathParams, query, principal }) {
        const attribute = store.attributes.get(pathParams.identifier);
        if (!attribute) return NOT_FOUND;
        const p = principal as Principal | undefined;
        const all = (attribute.options ?? []).filter((o) => o.validated || (p && o.ownerId === p.user.id));
        let options = all;
        if (query.validated !== undefined)
          options =
            query.validated === "true"
              ? options.filter((o) => o.validated)
              : options.filter((o) => !o.validated);
        if (query.value) options = options.filter((o) => contains(o.value, query.value));
        options = [...options].sort((a, b) => a.value.localeCompare(b.value));
        return {
          status: 200,
          body: {
            count: options.length,
            total_count: all.length,
            options: options.slice(0, 100).map((o) => ({ id: o.id, value: o.value, validated: o.validated })),
          },
        };
      },

      // -------------------------------------------------------------- organisms
      listOrganisms({ principal }) {
        return {
          status: 200,
          body: [...store.organisms.values()].map((o) => {
            const latest = genomeFilesets(o.id, principal).at(-1);
            return {
              id: o.id,
              name: o.name,
              latin_name: o.latinName,
              latest_fileset: latest ? views.fileset(latest) : null,
            };
          }),
        };
      },
      getOrganism({ pathParams, principal }) {
        const o = store.organisms.get(pathParams.organismId);
        if (!o) return NOT_FOUND;
        return {
          status: 200,
          body: {
            id: o.id,
            name: o.name,
            latin_name: o.latinName,
            filesets: genomeFilesets(o.id, principal).map((f) => ({
              id: f.id,
              name: f.name,
              created: f.created,
              organism_name: o.name,
              data: views.fileset(f).data,
            })),
          },
        };
      },

      // -------------------------------------------------------------- projects
      listProjects: ({ query, principal }) =>
        paged(
          "projects",
          sortBy(visibleProjects(principal), "-created", (pr) => pr.name),
          query,
          (pr) => views.projectRow(pr, principal),
        ),
      listOwnedProjects({ query, principal }) {
        const p = principal as Principal;
        let projects = visibleProjects(p).filter((pr) => store.owns(pr, p));
        if (query.filter)
          projects = projects.filter(
            (pr) => contains(pr.name, query.filter) || contains(pr.description, query.filter),
          );
        return paged(
          "projects",
          sortBy(projects, "-created", (pr) => pr.name),
          query,
          (pr) => views.projectRow(pr, p),
        );
      },
      listSharedProjects({ query, principal }) {
        const p = principal as Principal;
        const projects = visibleProjects(p).filter((pr) => sharedWith(pr, p));
        return paged(
          "projects",
          sortBy(projects, "-created", (pr) => pr.name),
          query,
          (pr) => views.projectRow(pr, p),
        );
      },
      listPublicProjects({ query, principal }) {
        let projects = [...store.projects.values()].filter((pr) => !pr.private && !pr.removed);
        if (query.filter)
          projects = projects.filter(
            (pr) => contains(pr.name, query.filter) || contains(pr.description, query.filter),
          );
        if (query.organism) projects = projects.filter((pr) => pr.organism === query.organism);
        return paged(
          "projects",
          sortBy(projects, "-created", (pr) => pr.name),
          query,
          (pr) => views.projectRow(pr, principal),
        );
      },
      searchProjects({ query, principal }) {
        let projects = visibleProjects(principal);
        if (query.name) projects = projects.filter((pr) => contains(pr.name, query.name));
        if (query.description)
          projects = projects.filter((pr) => contains(pr.description, query.description));
        if (query.owner) projects = projects.filter((pr) => ownerMatches(pr, query.owner));
        projects = createdRange(projects, query);
        if (query.sample_types) {
          const types = new Set(
            String(query.sample_types)
              .split(",")
              .map((t) => t.trim()),
          );
          projects = projects.filter((pr) =>
            store.projectSamples(pr.id).some((s) => s.sampleType && types.has(s.sampleType)),
          );
        }
        if (query.pipeline) {
          projects = projects.filter((pr) =>
            store
              .projectExecutions(pr)
              .some((e) => store.pipelineOfExecution(e).pipeline.id === query.pipeline),
          );
        }
        return paged(
          "projects",
          sortBy(projects, query.sort, (pr) => pr.name),
          query,
          (pr) => views.projectRow(pr, principal),
        );
      },
      createProject({ body, principal }) {
        const p = principal as Principal;
        const refusal = need(p, "write");
        if (refusal) return refusal;
        if (!String(body.name).trim()) return bad({ name: ["This field may not be blank."] });
        if (visibleProjects(p).some((pr) => store.owns(pr, p) && pr.name === body.name))
          return bad({ name: ["You already have a project with this name."] });
        let organism: string | null = null;
        if (body.organism) {
          organism = organismId(String(body.organism)) ?? null;
          if (!organism) return bad({ organism: [`Unknown organism ${String(body.organism)}`] });
        }
        const project: Project = {
          id: store.nextId("project"),
          name: body.name,
          description: body.description ?? "",
          created: nowSeconds(),
          organism,
          papers: [],
          ...ownedBy(p.user, body.is_public !== true),
        };
        store.projects.set(project.id, project);
        return { status: 200, body: views.projectDetail(project, p) };
      },
      getProject({ pathParams, principal }) {
        const pr = store.projects.get(pathParams.projectId);
        if (!pr || !store.canReadProject(pr, principal)) return NOT_FOUND;
        return { status: 200, body: views.projectDetail(pr, principal) };
      },
      listProjectSamples({ pathParams, query, principal }) {
        const pr = store.projects.get(pathParams.projectId);
        if (!pr || !store.canReadProject(pr, principal)) return NOT_FOUND;
        let samples = store.projectSamples(pr.id).filter((s) => store.canReadSample(s, principal));
        if (query.filter) samples = samples.filter((s) => sampleFilter(s, query.filter));
        return paged(
          "samples",
          sortBy(samples, "-created", (s) => s.name),
          query,
          (s) => views.sampleRow(s, principal),
        );
      },
      listProjectExecutions({ pathParams, query, principal }) {
        const pr = store.projects.get(pathParams.projectId);
        if (!pr || !store.canReadProject(pr, principal)) return NOT_FOUND;
        engine.advanceAll();
        let executions = store.projectExecutions(pr).filter((e) => store.canReadExecution(e, principal));
        if (query.filter) executions = executions.filter((e) => executionFilter(e, query.filter));
        return paged(
          "executions",
          sortBy(executions, "-created", (e) => e.identifier),
          query,
          (e) => views.executionRow(e, principal),
        );
      },
      listProjectData({ pathParams, query, principal }) {
        const pr = store.projects.get(pathParams.projectId);
        if (!pr || !store.canReadProject(pr, principal)) return NOT_FOUND;
        const data = store
          .projectSamples(pr.id)
          .flatMap((s) => store.sampleData(s))
          .filter((d) => store.canReadData(d, principal));
        return paged(
          "data",
          sortBy([...new Set(data)], "-created", (d) => d.filename),
          query,
          (d) => views.dataRow(d, principal),
        );
      },
      updateProjectMetadata({ pathParams, body, principal }) {
        const pr = store.projects.get(pathParams.projectId);
        const refusal = editable(pr, !!pr && store.canReadProject(pr, principal), principal);
        if (refusal) return refusal;
        const updates = (body as { samples: { id: string | number; metadata: Record<string, string> }[] })
          .samples;
        for (const update of updates) {
          const s = store.samples.get(String(update.id));
          if (!s || s.projectId !== pr!.id || s.removed)
            return bad({ samples: [`Sample ${update.id} is not in this project`] });
          for (const [key, value] of Object.entries(update.metadata)) {
            const attribute = store.attributes.get(key);
            if (!attribute) return bad({ samples: [`Unknown metadata attribute ${key}`] });
            if (
              attribute.options &&
              !attribute.allowUserTerms &&
              !attribute.options.some((o) => o.validated && o.value === value)
            )
              return bad({ [key]: [`Select a valid choice. ${value} is not one of the available choices.`] });
          }
        }
        for (const update of updates) {
          const s = store.samples.get(String(update.id))!;
          for (const [key, value] of Object.entries(update.metadata))
            s.metadata[key] = { value, annotation: null };
        }
        return ok(`Updated ${updates.length} samples`);
      },
      shareProject: (ctx) => {
        const pr = store.projects.get(ctx.pathParams.projectId);
        return share(pr!, !!pr && store.canReadProject(pr, ctx.principal), ctx);
      },
      transferProject: (ctx) => {
        const pr = store.projects.get(ctx.pathParams.projectId);
        return transfer(pr!, !!pr && store.canReadProject(pr, ctx.principal), ctx);
      },
      deleteProject: ({ pathParams, principal }) => {
        const pr = store.projects.get(pathParams.projectId);
        return remove(pr!, !!pr && store.canReadProject(pr, principal), principal);
      },

      // -------------------------------------------------------------- analytics and health
      getUsageAnalytics({ principal }) {
        const p = principal as Principal;
        engine.advanceAll();
        const month = nowSeconds() - 30 * 86400;
        const mine = <T extends Owned>(items: Iterable<T>) =>
          [...items].filter((r) => !r.removed && store.owns(r, p));
        const data = mine(store.data.values()).filter((d) => d.ready);
        const executions = mine(store.executions.values());
        const gb = (bytes: number) => Math.round((bytes / 1e9) * 100) / 100;
        return {
          status: 200,
          body: {
            user_stats: {
              total_samples: mine(store.samples.values()).length,
              total_projects: mine(store.projects.values()).length,
              total_executions: executions.length,
              total_data_gb: gb(data.reduce((n, d) => n + d.size, 0)),
              executions_last_30_days: executions.filter((e) => e.created >= month).length,
              data_uploaded_last_30_days_gb: gb(
                data
                  .filter((d) => d.created >= month && d.executionId === null)
                  .reduce((n, d) => n + d.size, 0),
              ),
            },
            group_stats: Object.fromEntries(
              p.user.groups.map((slug) => {
                const members = [...store.users.values()]
                  .filter((u) => u.groups.includes(slug))
                  .map((u) => u.id);
                return [
                  slug,
                  {
                    total_samples: [...store.samples.values()].filter(
                      (s) => s.groupOwner === slug || members.includes(s.ownerId ?? ""),
                    ).length,
                    total_executions: [...store.executions.values()].filter((e) =>
                      members.includes(e.ownerId ?? ""),
                    ).length,
                    active_users: members.length,
                  },
                ];
              }),
            ),
            recent_activity: executions
              .filter((e) => e.finished !== null)
              .sort((a, b) => (b.finished ?? 0) - (a.finished ?? 0))
              .slice(0, 10)
              .map((e) => ({
                timestamp: e.finished,
                action:
                  e.status === "OK"
                    ? "execution_completed"
                    : e.status === "ERROR"
                      ? "execution_failed"
                      : "execution_canceled",
                details: `${store.pipelineOfExecution(e).pipeline.name} ${e.identifier}: ${e.status}`,
              })),
          },
        };
      },
      getDailyActiveUsers({ principal }) {
        if (!(principal as Principal).user.isAdmin) return { status: 403, body: { error: "Admin only" } };
        const users = store.users.size;
        return {
          status: 200,
          body: {
            date: new Date().toISOString().slice(0, 10),
            daily_active_users: Math.max(1, Math.round(users / 3)),
            weekly_active_users: Math.max(1, Math.round(users / 2)),
            monthly_active_users: users,
            new_users_today: [...store.users.values()].filter((u) => u.created >= nowSeconds() - 86400)
              .length,
            trends: { dau_change_percent: 5.2, wau_change_percent: 3.8, mau_change_percent: 2.1 },
          },
        };
      },
      ping: () => ({ status: 200, body: "pong", headers: { "content-type": "text/plain; charset=utf-8" } }),
      getHealth: () => ({
        status: 200,
        body: {
          status: "healthy",
          timestamp: new Date().toISOString(),
          version: "sandbox",
          services: {
            database: { status: "healthy", latency_ms: 0.4 },
            rabbitmq: {
              status: "healthy",
              queue_depth: [...store.executions.values()].filter((e) => IN_FLIGHT.has(e.status)).length,
            },
            storage: { status: "healthy", available_gb: 500 },
            celery: { status: "healthy", active_workers: 4 },
          },
        },
      }),

      // -------------------------------------------------------------- PEKA
      listPekaEntities({ query }) {
        const offset = (query.offset as number | undefined) ?? 0;
        const limit = (query.limit as number | undefined) ?? 10;
        return {
          status: 200,
          body: {
            count: store.peka.length,
            results: store.peka
              .slice(offset, offset + limit)
              .map((e) => ({ id: e.id, name: e.name, type: e.type, species: e.species })),
          },
        };
      },
      getPekaRbp({ query }) {
        const wanted = String(query.protein).toLowerCase();
        const entity = store.peka.find(
          (e) =>
            (e.name.toLowerCase() === wanted || e.gene.toLowerCase() === wanted || e.id === wanted) &&
            (!query.species || e.species === query.species),
        );
        if (!entity) return NOT_FOUND;
        return {
          status: 200,
          body: {
            rbp: {
              name: entity.name,
              gene: entity.gene,
              species: entity.species,
              binding_sites: entity.bindingSites,
              known_motifs: entity.motifs,
            },
          },
        };
      },
      getPekaMotif({ query }) {
        const motif = String(query.motif).toUpperCase().replace(/T/g, "U");
        let rbps = [...new Set(store.peka.filter((e) => e.motifs.includes(motif)).map((e) => e.name))];
        if (query.rbp) rbps = rbps.filter((r) => r.toLowerCase() === String(query.rbp).toLowerCase());
        if (rbps.length === 0) return NOT_FOUND;
        const score = 1 + ([...motif].reduce((n, c) => n + c.charCodeAt(0), 0) % 300) / 100;
        const pvalue = Math.min(1, 10 ** -Math.round(score));
        if (query.pvalue !== undefined && pvalue > query.pvalue) return NOT_FOUND;
        return { status: 200, body: { motif, length: motif.length, rbps, enrichment_score: score, pvalue } };
      },
      getPekaMotifLines({ query }) {
        const limit = (query.limit as number | undefined) ?? 20;
        const seed = [...`${query.dataset ?? ""}:${query.region ?? ""}`].reduce(
          (h, c) => (h * 31 + c.charCodeAt(0)) >>> 0,
          17,
        );
        const region = /^(chr[\w]+)(?::(\d+)-(\d+))?$/.exec(String(query.region ?? ""));
        const chromosome = region?.[1] ?? "chr1";
        const from = Number(region?.[2] ?? 100000);
        const motifs = [...new Set(store.peka.flatMap((e) => e.motifs))];
        return {
          status: 200,
          body: {
            lines: Array.from({ length: Math.min(limit, 200) }, (_, i) => {
              const start = from + ((seed + i * 7919) % 50000);
              const motif = motifs[(seed + i) % motifs.length]!;
              return {
                chromosome,
                start,
                end: start + motif.length,
                motif,
                score: Math.round((((seed >> (i % 16)) % 100) / 100) * 100) / 100,
                strand: i % 2 === 0 ? "+" : "-",
              };
            }),
          },
        };
      },
    }),
  });
  ajv.addSchema(router.spec, "spec");

  function dataTypes() {
    return [...store.dataTypes.values()].map((t) => ({
      identifier: t.identifier,
      name: t.name,
      description: t.description,
      data_count: [...store.data.values()].filter((d) => d.dataType === t.identifier && d.ready && !d.removed)
        .length,
    }));
  }

  function filesetReadable(
    f: { sampleId: string | null; dataIds: string[] },
    p: Principal | undefined,
  ): boolean {
    const sample = f.sampleId ? store.samples.get(f.sampleId) : undefined;
    if (sample) return store.canReadSample(sample, p);
    return f.dataIds.some((id) => {
      const d = store.data.get(id);
      return d !== undefined && store.canReadData(d, p);
    });
  }

  function genomeFilesets(organism: string, p: Principal | undefined) {
    return [...store.filesets.values()]
      .filter((f) => f.sampleId === null && f.organism === organism && filesetReadable(f, p))
      .sort((a, b) => a.created - b.created || Number(a.id) - Number(b.id));
  }

  function sampleFilter(s: Sample, needle: string): boolean {
    const project = s.projectId ? store.projects.get(s.projectId) : undefined;
    return [
      s.name,
      project?.name,
      s.organism ? store.organisms.get(s.organism)?.name : "",
      store.ownerName(s),
    ].some((v) => contains(v ?? "", needle));
  }

  function executionFilter(e: Execution, needle: string): boolean {
    const { pipeline, version } = store.pipelineOfExecution(e);
    const sample = e.sampleId ? store.samples.get(e.sampleId) : undefined;
    const status = { OK: "completed", ERROR: "error", CANCELED: "canceled" }[e.status] ?? "";
    return (
      [e.identifier, pipeline.name, version.name, sample?.name, store.ownerName(e)].some((v) =>
        contains(v ?? "", needle),
      ) ||
      (status !== "" && status.includes(needle.toLowerCase()))
    );
  }

  function runPipeline(ctx: RequestContext): HandlerResult {
    const p = ctx.principal as Principal;
    const version = store.versions.get(ctx.pathParams.versionId);
    if (!version || !store.canReadVersion(version, p)) return NOT_FOUND;
    if (!p.scopes.has("run")) return FORBIDDEN_SCOPE;
    if (!p.user.canRunPipelines) return { status: 403, body: { error: "User cannot run pipelines" } };
    const body = ctx.body as {
      params: Record<string, string>;
      data_params: Record<string, string | number>;
      csv_params: Record<
        string,
        { rows: { sample?: string | number; fileset?: string | number; values?: Record<string, string> }[] }
      >;
      nextflow_version: string;
      fileset?: string | number;
      retries?: string | number;
    };
    const problems: Record<string, string[]> = {};
    const problem = (field: string, message: string) => (problems[field] ??= []).push(message);
    if (!version.nextflowVersions.includes(body.nextflow_version))
      problem(
        "nextflow_version",
        `Select a valid choice. ${body.nextflow_version} is not one of the available choices.`,
      );
    const sections = ((version.schema as { inputs?: { params: Record<string, any> }[] }).inputs ?? []).map(
      (s) => s.params,
    );
    const declared = Object.assign({}, ...sections) as Record<
      string,
      { type: string; valid?: string[]; required?: boolean; default?: unknown }
    >;
    for (const [name, value] of Object.entries(body.params)) {
      const param = declared[name];
      if (param?.valid && !param.valid.includes(value))
        problem(name, `Select a valid choice. ${value} is not one of the available choices.`);
      if (param?.type === "boolean" && !["true", "false"].includes(value))
        problem(name, "Must be true or false.");
      if (param?.type === "number" && !Number.isFinite(Number(value))) problem(name, "A number is required.");
    }
    let firstSample: Sample | undefined;
    for (const [name, param] of Object.entries(declared)) {
      if (!param.required) continue;
      const given =
        param.type === "data"
          ? body.data_params[name]
          : param.type === "csv"
            ? body.csv_params[name]?.rows.length
            : (body.params[name] ?? param.default);
      if (given === undefined || given === 0) problem(name, "This field is required.");
    }
    const inputIds: string[] = [];
    for (const [name, id] of Object.entries(body.data_params)) {
      const d = store.data.get(String(id));
      if (!d || !store.canReadData(d, p))
        problem(name, `Data ${String(id)} does not exist or is not accessible.`);
      else inputIds.push(d.id);
    }
    for (const [name, csv] of Object.entries(body.csv_params)) {
      csv.rows.forEach((row, i) => {
        if (row.sample !== undefined) {
          const s = store.samples.get(String(row.sample));
          if (!s || !store.canReadSample(s, p))
            problem(name, `Row ${i + 1}: sample ${String(row.sample)} does not exist or is not accessible.`);
          else {
            firstSample ??= s;
            for (const f of views.filesetsOf(s)) inputIds.push(...f.dataIds);
          }
        }
        if (row.fileset !== undefined) {
          const f = store.filesets.get(String(row.fileset));
          if (!f || !filesetReadable(f, p))
            problem(
              name,
              `Row ${i + 1}: fileset ${String(row.fileset)} does not exist or is not accessible.`,
            );
          else inputIds.push(...f.dataIds);
        }
      });
    }
    let fileset = body.fileset !== undefined ? store.filesets.get(String(body.fileset)) : undefined;
    if (body.fileset !== undefined && (!fileset || !filesetReadable(fileset, p)))
      problem("fileset", `Fileset ${String(body.fileset)} does not exist or is not accessible.`);
    const retried = body.retries !== undefined ? store.executions.get(String(body.retries)) : undefined;
    if (
      body.retries !== undefined &&
      (!retried || !store.canReadExecution(retried, p) || retried.versionId !== version.id)
    )
      problem("retries", "Can only retry an execution of the same pipeline version.");
    if (Object.keys(problems).length) return bad(problems);
    fileset ??= firstSample ? views.filesetsOf(firstSample)[0] : undefined;
    const n = store.executions.size;
    const now = Date.now();
    const execution: Execution = {
      id: store.nextId("execution"),
      identifier: executionIdentifier(n + 37),
      uuid: randomUUID(),
      versionId: version.id,
      created: Math.floor(now / 1000),
      started: null,
      finished: null,
      status: "",
      nextflowVersion: body.nextflow_version,
      params: body.params,
      dataParams: body.data_params,
      csvParams: body.csv_params,
      sampleId: firstSample?.id ?? null,
      projectId: firstSample?.projectId ?? null,
      filesetId: fileset?.id ?? null,
      retriesId: retried?.id ?? null,
      retriedById: null,
      processes: [],
      stdout: `N E X T F L O W  ~  version ${body.nextflow_version}\nLaunching \`${store.pipelines.get(version.pipelineId)!.repoUrl}\` [${executionIdentifier(n + 37)}] - revision: ${version.name}\n`,
      stderr: "",
      command:
        `nextflow run ${store.pipelines.get(version.pipelineId)!.repoUrl} -r ${version.name} ${Object.entries(
          body.params,
        )
          .map(([k, v]) => `--${k} ${v}`)
          .join(" ")}`.trim(),
      outputIds: [],
      inputIds: [...new Set(inputIds)],
      dependent: false,
      live: null,
      archiveSeed: 0xa2c1000 + n,
      ...ownedBy(p.user),
    };
    if (retried) retried.retriedById = execution.id;
    store.executions.set(execution.id, execution);
    engine.launch(execution, now);
    return { status: 200, body: views.executionDetail(execution, p) };
  }

  // ------------------------------------------------------------------ path IDs the server's URLconf rejects (404)

  /** A path template: its parameters' names and patterns, and its operations by method. */
  interface Template {
    names: string[];
    regex: RegExp;
    patterns: Map<string, RegExp>;
    ops: Map<string, JsonObject>;
  }
  const templates = new Map<string, Template>();
  for (const { path, method, op } of operations(router.spec)) {
    let template = templates.get(path);
    if (!template) {
      const names: string[] = [];
      const regex = new RegExp(
        `^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_m, name: string) => {
          names.push(name);
          return "([^/]+)";
        })}$`,
      );
      template = { names, regex, patterns: new Map(), ops: new Map() };
      templates.set(path, template);
    }
    template.ops.set(method, op);
    for (const raw of Array.isArray(op.parameters) ? op.parameters : []) {
      const param = deref(router.spec, raw);
      if (!isObject(param) || param.in !== "path") continue;
      const pattern = stringAt(deref(router.spec, param.schema), "pattern");
      if (pattern) template.patterns.set(String(param.name), new RegExp(pattern));
    }
  }

  /** A request whose path fits a template only with an ID the URLconf would not match: 404, as Django answers. */
  function unroutable(pathname: string, method: string): HandlerResult | undefined {
    let shape: Template | undefined;
    for (const t of templates.values()) {
      const m = t.regex.exec(pathname);
      if (!m) continue;
      const valid = t.names.every((name, i) => {
        const pattern = t.patterns.get(name);
        let value: string;
        try {
          value = decodeURIComponent(m[i + 1]!);
        } catch {
          return false;
        }
        return !pattern || pattern.test(value);
      });
      if (valid) return undefined;
      shape ??= t;
    }
    if (!shape) return undefined;
    const op = shape.ops.get(method.toLowerCase() === "head" ? "get" : method.toLowerCase());
    const notFound = stringAt(objectAt(objectAt(op, "responses"), "404"), "$ref");
    return notFound?.endsWith("NotFoundNoBody") ? BARE_404 : NOT_FOUND;
  }

  // ------------------------------------------------------------------ the listener

  const api = await listen(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const entry = record(req, url);
    requests.push(entry);
    recorded.set(req, entry);
    res.on("finish", () => (entry.status = res.statusCode));
    try {
      if (await faults.intercept(req, res, (status) => ({ error: `Injected ${status}` }))) return;
      if (url.pathname !== "/api" && !url.pathname.startsWith("/api/")) {
        return send(res, 404, { error: "Not Found" });
      }
      const inner = new URL(url.pathname.slice(4) + url.search, "http://sandbox");
      const refusal = unroutable(inner.pathname, req.method ?? "GET");
      if (refusal && "status" in refusal) return send(res, refusal.status, refusal.body);
      await router.handle(req, res, inner);
    } catch (error) {
      if (!res.headersSent) send(res, 500, { error: `sandbox error: ${(error as Error).message}` });
      else res.destroy();
    }
  }, options.port ?? 0);

  const info = (u: UploadState): FlowUploadInfo => ({
    id: u.id,
    endpoint: u.endpoint,
    filename: u.filename,
    received: u.received,
    offsets: [...u.offsets],
    appended: [...u.appended],
    duplicates: u.duplicates,
    complete: u.complete,
    sha256: uploads.sha256(u),
    path: u.path,
  });

  const stats = Object.defineProperties({} as FlowStats, {
    ...Object.fromEntries(
      Object.keys(auth.stats).map((key) => [
        key,
        { enumerable: true, get: () => auth.stats[key as keyof FlowAuthStats] },
      ]),
    ),
    uploads: { enumerable: true, get: () => uploads.stats },
    executionsStarted: { enumerable: true, get: () => engine.started },
    bytesDownloaded: { enumerable: true, get: () => bytesDownloaded },
  });

  return {
    url: `${api.url}/api`,
    origin: api.url,
    username: FLOW_SANDBOX_USERNAME,
    password: FLOW_SANDBOX_PASSWORD,
    apiKey: FLOW_SANDBOX_API_KEY,
    readOnlyApiKey: FLOW_SANDBOX_READONLY_API_KEY,
    fixtures: ids,
    operations: Object.keys(implemented),
    store,
    faults,
    requests,
    violations: router.violations,
    stats,
    uploads: () => [...uploads.byId.values()].map(info),
    upload(id) {
      const u = uploads.byId.get(id);
      return u ? info(u) : undefined;
    },
    failChunk: (o) => uploads.failChunk(o),
    failNextExecution: (message) => engine.failNext(message),
    setExecutionDurations(durations) {
      engine.durations = { ...engine.durations, ...durations };
    },
    setAccessTokenTtl(ms) {
      auth.accessTtlMs = ms;
    },
    issueAccessToken(username, ttlMs) {
      const user = store.userByName(username);
      if (!user) throw new Error(`no sandbox user ${username}`);
      return auth.issueAccess(user, ttlMs);
    },
    revokeRefreshTokens(username) {
      const user = username ? store.userByName(username) : undefined;
      auth.revokeAllRefresh(user?.id);
    },
    execution(id) {
      const e = store.executions.get(id);
      return e ? engine.advance(e) : undefined;
    },
    resultsArchive(executionId) {
      const e = store.executions.get(executionId);
      if (!e) throw new Error(`no execution ${executionId}`);
      const file = archiveOf(e);
      return { file, sha256: () => sha256Of(file) };
    },
    async dataSha256(dataId) {
      const d = store.data.get(dataId);
      if (!d) throw new Error(`no data ${dataId}`);
      if (d.content.kind === "virtual") return sha256Of({ size: d.size, seed: d.content.seed });
      if (d.content.kind === "text") {
        return createHash("sha256")
          .update(generateText(d.content.flavour, d.content.seed, d.size, d.filename))
          .digest("hex");
      }
      const u = uploads.byId.get(d.id);
      if (!u) throw new Error(`upload ${dataId} is gone`);
      return uploads.sha256(u);
    },
    outbox,
    async close() {
      await api.close();
      await rm(uploadDir, { recursive: true, force: true }).catch(() =>
        rmSync(uploadDir, { recursive: true, force: true }),
      );
    },
  };
}
