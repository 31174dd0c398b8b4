/** Starts the Flow sandbox: routes from ./routes, state from ./context, checked against the spec. */
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sha256Of } from "../content.js";
import { listen, record } from "../http.js";
import { portalSpec } from "../portal-spec.js";
import { send, SpecRouter, type Handler } from "../spec-router.js";
import type { FlowAuthStats } from "./auth.js";
import { authenticator } from "./authenticate.js";
import { createFlowContext } from "./context.js";
import { generateText } from "./files.js";
import { authRoutes } from "./routes/auth.js";
import { usersRoutes } from "./routes/users.js";
import { dataRoutes } from "./routes/data.js";
import { filesetsRoutes } from "./routes/filesets.js";
import { uploadsRoutes } from "./routes/uploads.js";
import { bulkDownloadsRoutes } from "./routes/bulk-downloads.js";
import { downloadsRoutes } from "./routes/downloads.js";
import { sampleImportsRoutes } from "./routes/sample-imports.js";
import { searchRoutes } from "./routes/search.js";
import { pipelinesRoutes } from "./routes/pipelines.js";
import { executionsRoutes } from "./routes/executions.js";
import { samplesRoutes } from "./routes/samples.js";
import { organismsRoutes } from "./routes/organisms.js";
import { projectsRoutes } from "./routes/projects.js";
import { analyticsRoutes } from "./routes/analytics.js";
import { pekaRoutes } from "./routes/peka.js";
import {
  FLOW_SANDBOX_API_KEY,
  FLOW_SANDBOX_PASSWORD,
  FLOW_SANDBOX_READONLY_API_KEY,
  FLOW_SANDBOX_USERNAME,
  type FlowSandbox,
  type FlowSandboxOptions,
  type FlowStats,
  type FlowUploadInfo,
} from "./types.js";
import { unroutableFor } from "./unroutable.js";
import type { UploadState } from "./uploads.js";

export * from "./types.js";

/** Starts the Flow sandbox on 127.0.0.1; the API lives under `/api`, as on app.flow.bio. */
export async function startFlowSandbox(options: FlowSandboxOptions = {}): Promise<FlowSandbox> {
  const spec = await portalSpec("flow");
  const c = createFlowContext(options, spec);
  const {
    store,
    ids,
    faults,
    requests,
    recorded,
    uploads,
    uploadDir,
    auth,
    engine,
    outbox,
    counters,
    archiveOf,
  } = c;
  const implemented: Record<string, Handler> = {
    ...authRoutes(c),
    ...usersRoutes(c),
    ...dataRoutes(c),
    ...filesetsRoutes(c),
    ...uploadsRoutes(c),
    ...downloadsRoutes(c),
    ...bulkDownloadsRoutes(c),
    ...searchRoutes(c),
    ...pipelinesRoutes(c),
    ...executionsRoutes(c),
    ...samplesRoutes(c),
    ...sampleImportsRoutes(c),
    ...organismsRoutes(c),
    ...projectsRoutes(c),
    ...analyticsRoutes(c),
    ...pekaRoutes(c),
  };
  const router = new SpecRouter({
    spec,
    errorBody: (_status, message) => ({ error: message }),
    validationStatus: 400,
    validationBody: (problems) => {
      const byField: Record<string, string[]> = {};
      for (const p of problems) (byField[p.name || "__all__"] ??= []).push(p.message);
      return { error: byField };
    },
    authenticate: authenticator(c),
    handlers: implemented,
  });
  const unroutable = unroutableFor(spec);

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
  }, options);

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
    bytesDownloaded: { enumerable: true, get: () => counters.bytesDownloaded },
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
