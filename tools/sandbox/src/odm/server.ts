/**
 * The Genestack ODM sandbox: every operation of specs/genestack-odm/openapi.yaml, served from the
 * fixtures in catalog.ts, with requests and responses checked against the spec.
 *
 * - Auth: `Genestack-API-Token: <token>` or `Authorization: Bearer <access token>`; when both are
 *   sent the bearer (identity-provider) token wins, valid or not. 401 otherwise.
 * - Offset paging (`pageOffset`, `pageLimit` 0..2000, else 400) with `meta.pagination`; cursor
 *   paging on the omics queries (the cursor is the last key of the page, results in key order,
 *   `resultsExhausted` on the last page); TSV when `Accept` prefers `text/tab-separated-values` on
 *   the operations that declare it; streamed TSV exports.
 * - Filters and full-text queries: the subset documented in query.ts (400 on a syntax error).
 * - Accepted but ignored: `searchSpecificTerms`, `responseFormat=term_id`, `useVersions`.
 * - Downloads: content.ts's serveFile (one Range, If-Range, ETag, Last-Modified, 416, HEAD); a
 *   multi-range request fails the spec's `Range` pattern (400); 406 for an archived file.
 * - Jobs: jobs.ts; completed imports add objects (a study, a group of three samples, libraries
 *   or preparations, an empty data group, or an attached file).
 * - Responses the handlers write themselves (downloads, TSV) are checked here (status and media
 *   type), since the router only checks JSON bodies it sends.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { etagOf, sha256Of } from "../content.js";
import { listen, record } from "../http.js";
import { portalSpec } from "../portal-spec.js";
import { send, SpecRouter } from "../spec-router.js";
import { createOdmContext, errorBody, UNAUTHENTICATED, virtual } from "./context.js";
import type { Job } from "./jobs.js";
import { exportsRoutes } from "./routes/exports.js";
import { filesRoutes } from "./routes/files.js";
import { integrationRoutes } from "./routes/integration.js";
import { jobsRoutes } from "./routes/jobs.js";
import { multipartImportRoutes } from "./routes/multipart-imports.js";
import { signalDataRoutes } from "./routes/signal-data.js";
import { objectsRoutes } from "./routes/objects.js";
import { omicsRoutes } from "./routes/omics.js";
import {
  ODM_SANDBOX_USERS,
  type OdmRecordedRequest,
  type OdmSandbox,
  type OdmSandboxOptions,
} from "./types.js";

export * from "./types.js";

/** Starts the ODM sandbox on 127.0.0.1: state from ./context, routes from ./routes, checked against the spec. */
export async function startOdmSandbox(options: OdmSandboxOptions = {}): Promise<OdmSandbox> {
  const c = createOdmContext(options);
  const { apiTokens, accessTokens, catalog, faults, requests, entries, files } = c;
  let uploadCut: number | undefined; // body bytes after which the next multipart import is cut
  const jobs = jobsRoutes(c);
  const router = new SpecRouter({
    spec: await portalSpec("genestack-odm"),
    errorBody,
    validationStatus: 400,
    authenticate(req, security) {
      if (security.length === 0 || security.some((alt) => alt.length === 0)) return { principal: undefined };
      const entry = entries.get(req);
      const reject = {
        reject: {
          status: 401,
          body: errorBody(401, UNAUTHENTICATED),
          headers: { "www-authenticate": 'Bearer realm="Genestack ODM"' },
        },
      };
      // The identity-provider token wins when both are sent, as the ODM docs say.
      const bearer = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
      if (bearer) {
        if (!accessTokens.has(bearer[1]!)) return reject;
        const principal = { user: ODM_SANDBOX_USERS.accessToken, credential: "accessToken" as const };
        if (entry) Object.assign(entry, principal);
        return { principal };
      }
      const token = req.headers["genestack-api-token"];
      if (typeof token === "string" && apiTokens.has(token)) {
        const principal = { user: ODM_SANDBOX_USERS.apiToken, credential: "apiToken" as const };
        if (entry) Object.assign(entry, principal);
        return { principal };
      }
      return reject;
    },
    // Operations the sandbox does not model answer 501 naming the operation (the router's default).
    handlers: {
      ...filesRoutes(c),
      ...objectsRoutes(c),
      ...integrationRoutes(c),
      ...omicsRoutes(c),
      ...exportsRoutes(c),
      ...jobs,
      ...multipartImportRoutes(c, jobs),
      ...signalDataRoutes(c),
    },
  });
  c.setRouter(router);

  const api = await listen(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const entry: OdmRecordedRequest = record(req, url);
    requests.push(entry);
    entries.set(req, entry);
    res.on("finish", () => (entry.status = res.statusCode));
    res.on("close", () => (entry.status ??= res.statusCode));
    if (uploadCut !== undefined && req.method === "POST" && /\/multipart$/.test(url.pathname)) {
      const afterBytes = uploadCut;
      uploadCut = undefined;
      return cutMidBody(req, afterBytes);
    }
    try {
      c.jobs.advanceAll();
      if (await faults.intercept(req, res, (status) => errorBody(status, `Injected ${status}`))) return;
      await router.handle(req, res, url);
    } catch (e) {
      send(res, 500, errorBody(500, `sandbox error: ${(e as Error).message}`));
    }
  }, options);

  const downloadPath = (accession: string) =>
    `/api/v1/as-user/files/${encodeURIComponent(accession)}/download`;
  const isDownload = (req: IncomingMessage, accession?: string) => {
    if (req.method !== "GET") return false;
    const path = new URL(req.url ?? "/", "http://sandbox").pathname;
    return accession
      ? path === downloadPath(accession)
      : /^\/api\/v1\/as-user\/files\/[^/]+\/download$/.test(path);
  };
  faults.cutEvery = options.cutDownloadsAfterBytes;
  faults.isDownload = isDownload;
  const mustFile = (accession: string) => {
    const file = files.get(accession);
    if (!file) throw new Error(`no file ${accession}`);
    return file;
  };

  return {
    url: api.url,
    apiToken: [...apiTokens][0]!,
    accessToken: [...accessTokens][0]!,
    catalog,
    faults,
    requests,
    violations: router.violations,
    fileContent(accession) {
      const file = virtual(mustFile(accession));
      return { file, etag: etagOf(file), sha256: () => sha256Of(file) };
    },
    replaceFile(accession, replace = {}) {
      const file = mustFile(accession);
      file.seed += 7_919;
      if (replace.size !== undefined) file.size = replace.size;
      // Last-Modified has one-second resolution: make sure the new date differs from the old one.
      const next = Math.max(Date.now(), file.lastModified.getTime() + 1000);
      file.lastModified = new Date(next - (next % 1000));
      const v = virtual(file);
      return { file: v, etag: etagOf(v) };
    },
    cutNextDownload(afterBytes, cut = {}) {
      faults.cutNext(afterBytes, cut.count ?? 1, (req) => isDownload(req, cut.accession));
    },
    setFlakyDownloads(afterBytes) {
      faults.cutEvery = afterBytes;
    },
    bytesServed(accession) {
      return requests
        .filter((r) =>
          accession
            ? r.path === downloadPath(accession)
            : /^\/api\/v1\/as-user\/files\/[^/]+\/download$/.test(r.path),
        )
        .reduce((sum, r) => sum + r.bytesSent, 0);
    },
    failNextJob: (message) => c.jobs.failNext(message),
    job(jobExecId) {
      const job: Job | undefined = c.jobs.jobs.get(jobExecId);
      return job ? c.jobs.info(c.jobs.advance(job)) : undefined;
    },
    setJobDurations(durations) {
      Object.assign(c.jobs.durations, durations);
    },
    revokeToken(token) {
      apiTokens.delete(token);
      accessTokens.delete(token);
    },
    cutNextUpload(afterBytes) {
      uploadCut = afterBytes;
    },
    uploads: c.uploads,
    close: () => api.close(),
  };
}

/** Reads a request's body and drops the connection once `afterBytes` of it have arrived. */
function cutMidBody(req: IncomingMessage, afterBytes: number): void {
  let received = 0;
  req.on("data", (chunk: Buffer) => {
    received += chunk.length;
    if (received >= afterBytes) req.socket.destroy();
  });
}
