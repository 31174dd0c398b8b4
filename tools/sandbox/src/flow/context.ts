/** The Flow sandbox's shared state (records, auth, uploads, runs) and the helpers route modules share. */
import type { IncomingMessage } from "node:http";
import { mkdtempSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject } from "@sciportals/codegen/spec";
import { chunks, serveFile, type VirtualFile } from "../content.js";
import { Faults } from "../faults.js";
import type { RecordedRequest } from "../http.js";
import type { HandlerResult, RequestContext } from "../spec-router.js";
import { FlowAuth } from "./auth.js";
import { ignoreRange } from "./range-policy.js";
import { BulkDownloads } from "./bulk-downloads.js";
import { ExecutionEngine } from "./executions.js";
import { buildFixtures } from "./fixtures.js";
import { bufferSource, diskSource, generateText, serveSource } from "./files.js";
import {
  BINARY_EXTENSIONS,
  bad,
  contains,
  FORBIDDEN,
  FORBIDDEN_SCOPE,
  NOT_FOUND,
  nowSeconds,
  ok,
  truthy,
} from "./replies.js";
import { SampleImports } from "./sample-imports.js";
import type { DataRecord, Execution, Owned, Principal, Sample, Scope, User } from "./store.js";
import { FLOW_SANDBOX_API_KEY, FLOW_SANDBOX_READONLY_API_KEY, type FlowSandboxOptions } from "./types.js";
import { Uploads } from "./uploads.js";
import { filetype, Views } from "./views.js";

/** Builds the records and services one sandbox instance serves from. */
export function createFlowContext(options: FlowSandboxOptions, spec: JsonObject) {
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
  const bulk = new BulkDownloads({
    pendingMs: 150,
    runningMs: 450,
    expiresMs: 3600 * 1000,
    ...options.bulkDownloadTimings,
  });
  const imports = new SampleImports(options.sampleImportMs ?? 400);
  const counters = { bytesDownloaded: 0 };
  /** Counts a download's body bytes, in the stats and on the recorded request. */
  const countBytes = (req: IncomingMessage) => (n: number) => {
    counters.bytesDownloaded += n;
    const entry = recorded.get(req);
    if (entry) entry.bytesSent += n;
  };

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

  // ------------------------------------------------------------------ downloads

  function serveData(ctx: RequestContext, d: DataRecord): HandlerResult {
    const { req, res } = ctx;
    const onBytes = countBytes(req);
    ignoreRange(req);
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

  return {
    options,
    spec,
    store,
    ids,
    faults,
    requests,
    recorded,
    uploadDir,
    uploads,
    archiveBytes,
    maxChunkBytes,
    auth,
    outbox,
    bulk,
    imports,
    ownedBy,
    engine,
    views,
    need,
    editable,
    visibleSamples,
    visibleData,
    visibleExecutions,
    visibleProjects,
    sharedWith,
    createdRange,
    ownerMatches,
    organismId,
    share,
    transfer,
    remove,
    batchDelete,
    admin,
    typeRegistry,
    dataTypeRegistry,
    sampleTypeRegistry,
    dataBytes,
    looksBinary,
    serveData,
    archiveOf,
    dataTypes,
    filesetReadable,
    genomeFilesets,
    sampleFilter,
    executionFilter,
    counters,
    countBytes,
  };
}

/** What every route module receives. */
export type FlowContext = ReturnType<typeof createFlowContext>;
