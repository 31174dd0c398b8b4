import type { CorsOptions } from "../cors.js";
import { createHash } from "node:crypto";
import { sha256Of, type VirtualFile } from "../content.js";
import { Faults } from "../faults.js";
import { listen, record, type RecordedRequest } from "../http.js";
import { startObjectStore, type ObjectStore } from "../object-store.js";
import { send, SpecRouter, type HandlerResult, type Violation } from "../spec-router.js";
import { portalSpec } from "../portal-spec.js";
import { buildCatalog, type CatalogDataset, type CatalogFile } from "./catalog.js";

export const STOMICS_SANDBOX_KEY = "sk-sandbox-stomics-0123456789";

export interface StomicsSandboxOptions {
  /** API port; 0 (default) picks a free one. */
  port?: number;
  /** Port of the pre-signed storage origin; 0 (default) picks a free one. */
  storagePort?: number;
  /** Accepted API keys. Default: [STOMICS_SANDBOX_KEY]. */
  apiKeys?: string[];
  /** Requests per key per window; 429 with Retry-After beyond. Default 1000 per hour, as the portal. */
  rateLimit?: { limit: number; windowMs: number };
  /** Lifetime of pre-signed URLs. Default 3600 s, as the portal. */
  presignTtlSeconds?: number;
  /** Catalog size. Default 260 datasets. */
  datasets?: number;
  /** Size of STD0001's matrix file. Default 64 MiB. */
  bigFileBytes?: number;
  /** Browser origins answered with CORS, by the API and the storage origin; see ../cors.ts. Default: `SANDBOX_CORS_ORIGINS`, else none. */
  cors?: CorsOptions | false;
}

export interface StomicsSandbox {
  /** Base URL of the API, for `createStomicsClient({ baseUrl })`. */
  url: string;
  /** A valid API key. */
  apiKey: string;
  /** The pre-signed storage origin (another port). */
  storage: ObjectStore;
  catalog: CatalogDataset[];
  /** Faults for the API origin; `storage.faults` for downloads. */
  faults: Faults;
  /** API requests, newest last. */
  requests: RecordedRequest[];
  /** Requests or responses that broke the spec; tests expect none. */
  violations: Violation[];
  /** Change how long new pre-signed URLs live. */
  setPresignTtl(seconds: number): void;
  /** The served bytes of a catalog file, and their SHA-256. */
  fileContent(fileId: number): { file: VirtualFile; sha256: () => string };
  close(): Promise<void>;
}

function summary(d: CatalogDataset) {
  return {
    accession: d.accession,
    title: d.title,
    technology: d.technology,
    species: d.species,
    tissue: d.tissue,
    download_count: d.download_count,
    release_date: d.release_date,
  };
}

const compare: Record<string, (a: CatalogDataset, b: CatalogDataset) => number> = {
  download_count: (a, b) => a.download_count - b.download_count,
  release_date: (a, b) => a.release_date.localeCompare(b.release_date),
  title: (a, b) => a.title.localeCompare(b.title),
  accession: (a, b) => a.accession.localeCompare(b.accession),
};

/** Starts the STOmics sandbox: the API on one port, pre-signed storage on another. */
export async function startStomicsSandbox(options: StomicsSandboxOptions = {}): Promise<StomicsSandbox> {
  const keys = new Set(options.apiKeys ?? [STOMICS_SANDBOX_KEY]);
  const rate = options.rateLimit ?? { limit: 1000, windowMs: 3_600_000 };
  let ttl = options.presignTtlSeconds ?? 3600;
  const catalog = buildCatalog({ datasets: options.datasets, bigFileBytes: options.bigFileBytes });
  const byAccession = new Map(catalog.map((d) => [d.accession, d]));
  const files = new Map<number, { dataset: CatalogDataset; file: CatalogFile }>();
  for (const dataset of catalog) for (const file of dataset.files) files.set(file.id, { dataset, file });
  const faults = new Faults();
  const storage = await startObjectStore(new Faults(), options.storagePort ?? 0, options.cors);
  const keyOf = (dataset: CatalogDataset, file: CatalogFile) =>
    `stomics-data/${dataset.accession}/${file.filename}`;
  const virtual = (file: CatalogFile): VirtualFile => ({ size: file.servedSize, seed: file.seed });
  for (const { dataset, file } of files.values()) storage.put(keyOf(dataset, file), virtual(file));

  const windows = new Map<string, number[]>();
  const requests: RecordedRequest[] = [];
  const notFound = (what: string): HandlerResult => ({ status: 404, body: { detail: `${what} not found` } });
  const invalid = (name: string, msg: string, type: string): HandlerResult => ({
    status: 422,
    body: { detail: [{ loc: ["query", name], msg, type }] },
  });
  const outOfRange = (query: Record<string, unknown>): HandlerResult | undefined => {
    const perPage = query.per_page as number | undefined;
    if (perPage !== undefined && (perPage < 1 || perPage > 100))
      return invalid("per_page", "Input should be between 1 and 100", "range");
    if ((query.page as number | undefined) !== undefined && (query.page as number) < 1)
      return invalid("page", "Input should be greater than or equal to 1", "greater_than_equal");
    if (typeof query.sort_by === "string" && !(query.sort_by in compare))
      return invalid("sort_by", `Cannot sort by ${query.sort_by}`, "enum");
    return undefined;
  };

  const router = new SpecRouter({
    spec: await portalSpec("stomics"),
    errorBody: (_status, message) => ({ detail: message }),
    validationStatus: 422,
    validationBody: (problems) => ({
      detail: problems.map((p) => ({
        loc: p.name ? [p.location, p.name] : [p.location],
        msg: p.message,
        type: "value_error",
      })),
    }),
    authenticate(req, security): { principal: unknown } | { reject: HandlerResult } {
      if (security.length === 0 || security.some((alt) => alt.length === 0)) return { principal: undefined };
      const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
      if (!match || !keys.has(match[1]!)) {
        return {
          reject: {
            status: 401,
            body: { detail: "Invalid or missing API key" },
            headers: { "www-authenticate": "Bearer" },
          },
        };
      }
      const key = match[1]!;
      const now = Date.now();
      const starts = (windows.get(key) ?? []).filter((t) => t > now - rate.windowMs);
      windows.set(key, starts);
      if (starts.length >= rate.limit) {
        const retryAfter = Math.max(1, Math.ceil((starts[0]! + rate.windowMs - now) / 1000));
        return {
          reject: {
            status: 429,
            body: { detail: "Rate limit exceeded" },
            headers: {
              "retry-after": retryAfter,
              "x-ratelimit-limit": rate.limit,
              "x-ratelimit-remaining": 0,
            },
          },
        };
      }
      starts.push(now);
      return { principal: key };
    },
    handlers: {
      listDatasets({ query }) {
        let results = catalog;
        if (query.q) {
          const needle = String(query.q).toLowerCase();
          results = results.filter((d) =>
            [d.accession, d.title, d.description, d.species, d.tissue].some((field) =>
              field.toLowerCase().includes(needle),
            ),
          );
        }
        if (query.technology_ids) {
          const ids = new Set<number>(query.technology_ids);
          results = results.filter((d) => ids.has(d.technology.id));
        }
        // The limits the docs do not state live here, on the server, as the portal would enforce
        // them: the client sends any value, and a refusal comes back as a typed 422.
        const refused = outOfRange(query);
        if (refused) return refused;
        const sortBy = query.sort_by as string | undefined;
        const order = query.sort_order === "asc" ? 1 : -1;
        if (sortBy) {
          results = [...results].sort(
            (a, b) => order * compare[sortBy]!(a, b) || a.accession.localeCompare(b.accession),
          );
        }
        const page = (query.page as number | undefined) ?? 1;
        const perPage = (query.per_page as number | undefined) ?? 20;
        const items = results.slice((page - 1) * perPage, page * perPage).map(summary);
        return { status: 200, body: { total: results.length, page, per_page: perPage, items } };
      },
      getDataset({ pathParams }) {
        const dataset = byAccession.get(pathParams.accession);
        if (!dataset) return notFound(`Dataset ${pathParams.accession}`);
        return {
          status: 200,
          body: { ...summary(dataset), description: dataset.description, file_count: dataset.files.length },
        };
      },
      listDatasetFiles({ pathParams }) {
        const dataset = byAccession.get(pathParams.accession);
        if (!dataset) return notFound(`Dataset ${pathParams.accession}`);
        return {
          status: 200,
          body: dataset.files.map((f) => ({
            id: f.id,
            filename: f.filename,
            file_type: f.file_type,
            size_bytes: f.size_bytes,
          })),
        };
      },
      getDatasetFileDownloadUrl({ pathParams }) {
        const dataset = byAccession.get(pathParams.accession);
        if (!dataset) return notFound(`Dataset ${pathParams.accession}`);
        const entry = files.get(pathParams.file_id);
        if (!entry || entry.dataset !== dataset)
          return notFound(`File ${pathParams.file_id} of ${dataset.accession}`);
        return { status: 200, body: { url: storage.sign(keyOf(dataset, entry.file), ttl), expires_in: ttl } };
      },
      getDatasetExpression({ pathParams, query }) {
        const dataset = byAccession.get(pathParams.accession);
        if (!dataset) return notFound(`Dataset ${pathParams.accession}`);
        const digest = createHash("sha256").update(`${dataset.accession}:${query.gene}`).digest();
        const values = Array.from({ length: 24 }, (_, i) => ({
          id: `cell_${i + 1}`,
          x: (digest[i % 32]! * 3.1 + i * 17) % 500,
          y: (digest[(i + 7) % 32]! * 2.3 + i * 11) % 500,
          value: digest[(i * 5) % 32]! % 12,
        }));
        return {
          status: 200,
          body: { accession: dataset.accession, gene: query.gene, unit: "counts", values },
        };
      },
    },
  });

  const api = await listen(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const entry = record(req, url);
    requests.push(entry);
    res.on("finish", () => (entry.status = res.statusCode));
    try {
      if (await faults.intercept(req, res, (status) => ({ detail: `Injected ${status}` }))) return;
      await router.handle(req, res, url);
    } catch (error) {
      send(res, 500, { detail: `sandbox error: ${(error as Error).message}` });
    }
  }, options);

  return {
    url: api.url,
    apiKey: [...keys][0]!,
    storage,
    catalog,
    faults,
    requests,
    violations: router.violations,
    setPresignTtl: (seconds) => void (ttl = seconds),
    fileContent(fileId) {
      const entry = files.get(fileId);
      if (!entry) throw new Error(`no file ${fileId}`);
      const file = virtual(entry.file);
      return { file, sha256: () => sha256Of(file) };
    },
    async close() {
      await Promise.all([api.close(), storage.close()]);
    },
  };
}
