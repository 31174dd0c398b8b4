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
import { deref, objectAt, operations, stringAt, type JsonObject } from "@sciportals/codegen/spec";
import { etagOf, serveFile, sha256Of, type VirtualFile } from "../content.js";
import { Faults } from "../faults.js";
import { listen, record, type RecordedRequest } from "../http.js";
import { send, SpecRouter, type HandlerResult, type RequestContext, type Violation } from "../spec-router.js";
import { portalSpec } from "../portal-spec.js";
import {
  buildCatalog,
  catalogIds,
  hasContents,
  makeFile,
  type Attrs,
  type CatalogFile,
  type DataGroup,
  type DataItem,
  type GroupKind,
  type MetaObject,
  type ObjectKind,
  type OdmCatalog,
} from "./catalog.js";
import { JobEngine, type Job, type JobDurations, type JobEffect } from "./jobs.js";
import {
  evaluate,
  metadataPredicate,
  parseFilter,
  QuerySyntaxError,
  type FilterNode,
  type FilterSubject,
} from "./query.js";

/** The Genestack API token the sandbox accepts by default (header `Genestack-API-Token`). */
export const ODM_SANDBOX_API_TOKEN = "gs-sandbox-odm-0123456789abcdef";
/** The identity-provider access token the sandbox accepts by default (`Authorization: Bearer`). */
export const ODM_SANDBOX_ACCESS_TOKEN = "idp-sandbox-odm-access-token-fedcba9876543210";
/** Whom each kind of token authenticates, so a test can tell which credential won. */
export const ODM_SANDBOX_USERS = { apiToken: "api.user@example.org", accessToken: "idp.user@example.org" };

export interface OdmSandboxOptions {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Accepted Genestack API tokens. Default [ODM_SANDBOX_API_TOKEN]. */
  apiTokens?: string[];
  /** Accepted identity-provider access tokens. Default [ODM_SANDBOX_ACCESS_TOKEN]. */
  accessTokens?: string[];
  /** Number of studies (at least 5). Default 8. */
  studies?: number;
  /** Size of the big file (`catalog.bigFile`, an .h5ad of the first study). Default 64 MiB. */
  bigFileBytes?: number;
  /** How long import jobs stay in each state. Defaults 300 ms each. */
  jobDurations?: JobDurations;
  /**
   * A flaky network: cut every download response after this many body bytes (a client must
   * resume with Range to finish). Default: no cuts (use `cutNextDownload` for one-off cuts).
   */
  cutDownloadsAfterBytes?: number;
}

/** A request as the ODM sandbox records it: the common fields plus who it was authenticated as. */
export interface OdmRecordedRequest extends RecordedRequest {
  /** The user the request was authenticated as, when it was. */
  user?: string;
  /** Which credential authenticated it. */
  credential?: "apiToken" | "accessToken";
}

export interface OdmSandbox {
  /** Base URL, for `createGenestackOdmClient({ baseUrl })`. */
  url: string;
  /** A valid Genestack API token (send as `Genestack-API-Token`). */
  apiToken: string;
  /** A valid identity-provider access token (send as `Authorization: Bearer`). */
  accessToken: string;
  /** The fixtures; objects added by import jobs appear here too. */
  catalog: OdmCatalog;
  faults: Faults;
  /** Requests, newest last, with body bytes sent (`bytesSent`) per request. */
  requests: OdmRecordedRequest[];
  /** Requests or responses that broke the spec; tests expect none. */
  violations: Violation[];
  /** The served bytes of a file: its size, seed, ETag and SHA-256. */
  fileContent(accession: string): { file: VirtualFile; etag: string; sha256: () => string };
  /** Changes a file's bytes (new seed, so a new ETag and Last-Modified); optionally its size. */
  replaceFile(accession: string, options?: { size?: number }): { file: VirtualFile; etag: string };
  /** Cuts every download after `afterBytes` body bytes from now on (undefined: stop). */
  setFlakyDownloads(afterBytes: number | undefined): void;
  /** Cuts the next `count` (default 1) downloads (of `accession`, or any) after `afterBytes` body bytes. */
  cutNextDownload(afterBytes: number, options?: { accession?: string; count?: number }): void;
  /** Body bytes served by downloads of `accession` (or of every file) so far. */
  bytesServed(accession?: string): number;
  /** The next started import job fails at the end of RUNNING (a restart then completes it). */
  failNextJob(message?: string): void;
  /** A job's state as `getJobInfo` returns it, or undefined. */
  job(jobExecId: number): Record<string, unknown> | undefined;
  /** Changes how long new and running jobs stay in each state. */
  setJobDurations(durations: JobDurations): void;
  /** Stops accepting a token (either kind). */
  revokeToken(token: string): void;
  close(): Promise<void>;
}

const TSV = "text/tab-separated-values";
const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  500: "Internal Server Error",
  501: "Not Implemented",
};

/** Error bodies: the spec leaves them opaque; the sandbox sends a Spring-style JSON object. */
const errorBody = (status: number, message: string) => ({
  status,
  error: REASONS[status] ?? "Error",
  message,
});
const error = (status: number, message: string): HandlerResult => ({
  status,
  body: errorBody(status, message),
});

const UNAUTHENTICATED =
  "User is not authenticated. Please supply a valid Access Token in the `Authorization` HTTP header " +
  "(e.g. Authorization: bearer [token]) or Genestack API token in the `Genestack-API-Token` header " +
  "(this token may be obtained from the Genestack UI Profile page).";

/** Attributes kept by `returnedMetadataFields=minimal_data` (the default template's). */
const MINIMAL: Record<ObjectKind, Set<string>> = {
  study: new Set(["genestack:accession", "Study Title", "Study Source", "Study Type"]),
  sample: new Set(["genestack:accession", "Sample Source ID", "Species or strain", "Disease", "groupId"]),
  library: new Set(["genestack:accession", "Library ID", "Library Type", "Sample Source ID", "groupId"]),
  preparation: new Set(["genestack:accession", "Preparation ID", "Digestion", "Sample Source ID", "groupId"]),
};

type DataKind = "expression" | "variant" | "flow-cytometry";
const DATA_PARAMS: Record<DataKind, { query: string; filter: string }> = {
  expression: { query: "exQuery", filter: "exFilter" },
  variant: { query: "vxQuery", filter: "vxFilter" },
  "flow-cytometry": { query: "fxQuery", filter: "fxFilter" },
};

function virtual(file: CatalogFile): VirtualFile {
  return { size: file.size, seed: file.seed, lastModified: file.lastModified };
}

function caseless(record: Record<string, unknown> | undefined, key: string): unknown {
  if (!record) return undefined;
  if (key in record) return record[key];
  const found = Object.keys(record).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : record[found];
}

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** How a data query sees one data item, per data kind. */
function dataSubject(kind: DataKind, item: DataItem): FilterSubject {
  if (kind === "variant") {
    const v = item.variant!;
    return {
      values(key) {
        const k = key.toLowerCase();
        if (k === "filter") return v.filter;
        if (k === "id") return v.id;
        if (k === "feature" || k === "gene") return asList(v.info.GENE);
        if (k === "chrom") return [v.chrom];
        if (k === "pos") return [v.pos];
        if (k === "ref") return [v.ref];
        if (k === "alt") return v.alt;
        if (k === "qual") return [v.qual];
        if (k.startsWith("info.")) return asList(caseless(v.info, key.slice(5)));
        if (k.startsWith("genotype.")) return asList(caseless(item.genotype, key.slice(9)));
        return [];
      },
      special(key, cmp, values) {
        if (key.toLowerCase() !== "region") return undefined;
        const inside = values.some((region) => {
          const m = /^([^:]+)(?::(\d+)-(\d+))?$/.exec(region);
          if (!m || m[1]!.toLowerCase() !== v.chrom.toLowerCase()) return false;
          return m[2] === undefined || (v.pos >= Number(m[2]) && v.pos <= Number(m[3]));
        });
        return cmp === "!=" ? !inside : inside;
      },
    };
  }
  return {
    values(key) {
      const k = key.toLowerCase();
      if (kind === "expression" && k === "feature") return asList(item.feature?.Genes);
      if (k.startsWith("feature.")) return asList(caseless(item.feature, key.slice(8)));
      if (k === "value") return asList(item.value?.value);
      if (k.startsWith("value.")) return asList(caseless(item.value, key.slice(6)));
      if (kind === "flow-cytometry") return asList(caseless(item.feature, key));
      return [];
    },
  };
}

/** Faults with a standing cut for every download (a flaky network); one-off cuts come first. */
class OdmFaults extends Faults {
  cutEvery: number | undefined;
  isDownload: (req: IncomingMessage) => boolean = () => false;
  override takeCut(req: IncomingMessage): number | undefined {
    return (
      super.takeCut(req) ?? (this.cutEvery !== undefined && this.isDownload(req) ? this.cutEvery : undefined)
    );
  }
}

/** Starts the Genestack ODM sandbox on 127.0.0.1. */
export async function startOdmSandbox(options: OdmSandboxOptions = {}): Promise<OdmSandbox> {
  const apiTokens = new Set(options.apiTokens ?? [ODM_SANDBOX_API_TOKEN]);
  const accessTokens = new Set(options.accessTokens ?? [ODM_SANDBOX_ACCESS_TOKEN]);
  const catalog = buildCatalog({ studies: options.studies, bigFileBytes: options.bigFileBytes });
  const ids = catalogIds.get(catalog)!;
  const faults = new OdmFaults();
  const jobs = new JobEngine(options.jobDurations);
  const requests: OdmRecordedRequest[] = [];
  const entries = new WeakMap<IncomingMessage, OdmRecordedRequest>();
  const importedLinks = new Set<string>();
  let fileSeed = 10_001;

  // Indexes over the catalog (kept current when imports add objects).
  const objects = new Map<string, MetaObject>();
  const groups = new Map<string, DataGroup>();
  const files = new Map<string, CatalogFile>();
  const runs = new Map(catalog.runs.map((r) => [r.accession, r]));
  const lists: Record<ObjectKind, MetaObject[]> = {
    study: catalog.studies,
    sample: catalog.samples,
    library: catalog.libraries,
    preparation: catalog.preparations,
  };
  for (const list of Object.values(lists)) for (const o of list) objects.set(o.accession, o);
  for (const g of catalog.groups) groups.set(g.accession, g);
  for (const f of catalog.files) files.set(f.accession, f);
  const itemsBySample = new Map<string, Record<DataKind, DataItem[]>>();
  for (const [kind, items] of Object.entries(catalog.items) as [DataKind, DataItem[]][]) {
    for (const item of items) {
      const sample = item.relationships.sample!;
      let entry = itemsBySample.get(sample);
      if (!entry) itemsBySample.set(sample, (entry = { expression: [], variant: [], "flow-cytometry": [] }));
      entry[kind].push(item);
    }
  }
  const children = (kind: "library" | "preparation", sample: string) =>
    lists[kind].filter((o) => o.parent === sample);
  const addObject = (o: MetaObject) => {
    lists[o.kind].push(o);
    objects.set(o.accession, o);
  };
  const addGroup = (g: DataGroup) => {
    catalog.groups.push(g);
    groups.set(g.accession, g);
  };

  // ------------------------------------------------------------------ spec bookkeeping
  let router: SpecRouter;
  const byId = new Map<string, JsonObject>();
  /** Records a violation for a response the handler wrote itself (downloads, TSV). */
  const checkOwn = (operationId: string, status: number, mediaType?: string) => {
    const responses = objectAt(byId.get(operationId), "responses");
    const raw = responses[String(status)] ?? responses.default;
    if (!raw) {
      router.violations.push({
        operationId,
        kind: "response",
        status,
        message: `status ${status} is not in the spec`,
      });
      return;
    }
    if (mediaType && !objectAt(deref(router.spec, raw), "content")[mediaType]) {
      router.violations.push({
        operationId,
        kind: "response",
        status,
        message: `${mediaType} is not declared for status ${status}`,
      });
    }
  };

  // ------------------------------------------------------------------ presentation helpers
  const present = (kind: ObjectKind, attrs: Attrs, fields?: string): Attrs => {
    if (fields === "original_data_included") return { ...attrs };
    const out: Attrs = {};
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined) continue;
      if (fields === "minimal_data" && !MINIMAL[kind].has(key)) continue;
      out[key] = value;
    }
    return out;
  };
  const presentFile = (file: CatalogFile, includeContents?: boolean): Attrs => {
    const out: Attrs = { ...file.attrs };
    if (includeContents && hasContents(file.name) && file.contents) out.contents = file.contents;
    return out;
  };
  const runObject = (accession: string): Attrs => {
    const run = runs.get(accession)!;
    const out: Attrs = {
      "genestack:accession": run.accession,
      "Run Source ID": run.runSourceId,
      groupId: run.group,
    };
    if (run.sample) out["Sample Accession"] = run.sample;
    return out;
  };

  const sortObjects = (list: MetaObject[], sort: string | undefined): MetaObject[] => {
    const key = (sort ?? "id").replace(/^[+-]/, "");
    const direction = sort?.startsWith("-") ? -1 : 1;
    const byKey: Record<string, (a: MetaObject, b: MetaObject) => number> = {
      id: (a, b) => a.accession.localeCompare(b.accession),
      creation: (a, b) => a.created - b.created,
      last_update: (a, b) => a.updated - b.updated,
      name: (a, b) => a.name.localeCompare(b.name),
    };
    return [...list].sort(
      (a, b) => direction * byKey[key]!(a, b) || direction * a.accession.localeCompare(b.accession),
    );
  };

  const paged = <T>(items: T[], query: Record<string, any>) => {
    const offset = (query.pageOffset as number | undefined) ?? 0;
    const limit = (query.pageLimit as number | undefined) ?? 2000;
    const data = items.slice(offset, offset + limit);
    return { data, meta: { pagination: { count: data.length, total: items.length, offset, limit } } };
  };

  const wantsTsv = (ctx: RequestContext): boolean => {
    const accept = String(ctx.headers.accept ?? "");
    let tsv = -1;
    let json = -1;
    let tsvFirst = false;
    accept.split(",").forEach((part) => {
      const [type, ...params] = part.trim().toLowerCase().split(";");
      const q = Number(
        params
          .find((p) => p.trim().startsWith("q="))
          ?.trim()
          .slice(2) ?? 1,
      );
      if (type === TSV) {
        if (json < 0) tsvFirst = true;
        tsv = Math.max(tsv, q);
      } else if (type === "application/json" || type === "application/*" || type === "*/*")
        json = Math.max(json, q);
    });
    return tsv > 0 && (tsv > json || (tsv === json && tsvFirst));
  };

  const cell = (value: unknown): string => {
    if (value === null || value === undefined) return "";
    if (Array.isArray(value))
      return value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(",");
    if (typeof value === "object") return JSON.stringify(value);
    return String(value).replace(/[\t\r\n]+/g, " ");
  };
  const toTsv = (rows: Attrs[]): string => {
    const columns: string[] = [];
    for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
    return (
      [columns.join("\t"), ...rows.map((row) => columns.map((c) => cell(row[c])).join("\t"))].join("\n") +
      "\n"
    );
  };
  const writeText = (ctx: RequestContext, status: number, mediaType: string, text: string): HandlerResult => {
    checkOwn(ctx.operationId, status, mediaType);
    ctx.res.writeHead(status, {
      "content-type": `${mediaType}; charset=utf-8`,
      "content-length": Buffer.byteLength(text),
    });
    ctx.res.end(text);
    return { stream: true };
  };

  /** A JSON list answer, or the same rows as TSV when the client asks for it. */
  const listAnswer = (ctx: RequestContext, body: unknown, rows: Attrs[]): HandlerResult =>
    wantsTsv(ctx) ? writeText(ctx, 200, TSV, toTsv(rows)) : { status: 200, body };

  /** Runs a handler body, turning filter syntax errors into 400s. */
  const guarded =
    (fn: (ctx: RequestContext) => HandlerResult | Promise<HandlerResult>) =>
    (ctx: RequestContext): HandlerResult | Promise<HandlerResult> => {
      try {
        return fn(ctx);
      } catch (e) {
        if (e instanceof QuerySyntaxError) return error(400, e.message);
        throw e;
      }
    };

  // ------------------------------------------------------------------ omics conditions
  const dataPredicate = (kind: DataKind, text: string | undefined) => {
    if (!text) return undefined;
    const node: FilterNode = parseFilter(text);
    return (item: DataItem) => evaluate(node, dataSubject(kind, item));
  };
  const groupPredicate = (text: string | undefined) => metadataPredicate(text, undefined);

  interface Conditions {
    sample: (sample: MetaObject) => boolean;
    item: Record<DataKind, ((item: DataItem) => boolean) | undefined>;
    group: Record<DataKind, ((attrs: Attrs) => boolean) | undefined>;
  }
  /** Builds the omics conditions; `self` is the data kind being searched (its query applies per item). */
  const conditions = (query: Record<string, any>, self?: DataKind): Conditions => {
    const study = metadataPredicate(query.studyFilter, query.studyQuery);
    const sample = metadataPredicate(query.sampleFilter, query.sampleQuery);
    const library = metadataPredicate(query.libraryFilter, query.libraryQuery);
    const preparation = metadataPredicate(query.preparationFilter, query.preparationQuery);
    const item = {} as Conditions["item"];
    const group = {} as Conditions["group"];
    for (const kind of Object.keys(DATA_PARAMS) as DataKind[]) {
      item[kind] = dataPredicate(kind, query[DATA_PARAMS[kind].query]);
      group[kind] = groupPredicate(query[DATA_PARAMS[kind].filter]);
    }
    const itemMatches = (kind: DataKind, it: DataItem) =>
      (!item[kind] || item[kind]!(it)) &&
      (!group[kind] || group[kind]!(groups.get(it.itemOrigin.groupId)!.attrs));
    return {
      item,
      group,
      sample(s) {
        if (sample && !sample(s.attrs)) return false;
        if (study) {
          const parent = s.parent ? objects.get(s.parent) : undefined;
          if (!parent || !study(parent.attrs)) return false;
        }
        if (library && !children("library", s.accession).some((l) => library(l.attrs))) return false;
        if (preparation && !children("preparation", s.accession).some((p) => preparation(p.attrs)))
          return false;
        for (const kind of Object.keys(DATA_PARAMS) as DataKind[]) {
          if (kind === self || (!item[kind] && !group[kind])) continue;
          const items = itemsBySample.get(s.accession)?.[kind] ?? [];
          if (!items.some((it) => itemMatches(kind, it))) return false;
        }
        return true;
      },
    };
  };

  const CURSOR_FORMAT = /^GSF\d+(-[^\s]+)?$/;
  const cursorPage = <T>(sorted: T[], key: (t: T) => string, query: Record<string, any>) => {
    const cursor = query.cursor as string | undefined;
    if (cursor !== undefined && !CURSOR_FORMAT.test(cursor))
      throw new QuerySyntaxError(`Invalid cursor: ${cursor}`);
    const limit = (query.pageLimit as number | undefined) ?? 2000;
    let start = 0;
    if (cursor !== undefined) {
      start = sorted.findIndex((t) => key(t) > cursor);
      if (start < 0) start = sorted.length;
    }
    const data = sorted.slice(start, start + limit);
    const body: { data: T[]; cursor?: string; resultsExhausted: boolean; log: string[] } = {
      data,
      resultsExhausted: start + data.length >= sorted.length,
      log: [],
    };
    if (data.length > 0) body.cursor = key(data[data.length - 1]!);
    return body;
  };

  const sampleOf = (item: DataItem) => objects.get(item.relationships.sample ?? "");
  const searchData = (kind: DataKind) =>
    guarded(({ query }) => {
      const c = conditions(query, kind);
      const matches = catalog.items[kind].filter((it) => {
        if (c.item[kind] && !c.item[kind]!(it)) return false;
        if (c.group[kind] && !c.group[kind]!(groups.get(it.itemOrigin.groupId)!.attrs)) return false;
        const sample = sampleOf(it);
        return sample !== undefined && c.sample(sample);
      });
      return { status: 200, body: cursorPage(matches, (it) => it.itemId, query) };
    });
  const hasConditions = (query: Record<string, any>) =>
    Object.entries(query).some(([k, v]) => v !== undefined && /(Filter|Query)$/.test(k));
  const searchGroups = (kind: DataKind) =>
    guarded(({ query }) => {
      const c = conditions(query, kind);
      const conditional = hasConditions(query);
      const matching = catalog.groups
        .filter((g) => g.kind === kind)
        .filter((g) => {
          if (c.group[kind] && !c.group[kind]!(g.attrs)) return false;
          const items = catalog.items[kind].filter((it) => it.itemOrigin.groupId === g.accession);
          if (items.length === 0) return !conditional;
          return items.some((it) => {
            if (c.item[kind] && !c.item[kind]!(it)) return false;
            const sample = sampleOf(it);
            return sample !== undefined && c.sample(sample);
          });
        })
        .sort((a, b) => a.accession.localeCompare(b.accession));
      const page = cursorPage(matching, (g) => g.accession, query);
      return { status: 200, body: { ...page, data: page.data.map((g) => ({ ...g.attrs })) } };
    });

  // ------------------------------------------------------------------ metadata object handlers
  const find = (kind: ObjectKind, accession: string) => {
    const o = objects.get(accession);
    return o && o.kind === kind ? o : undefined;
  };
  const objectHandlers = (kind: ObjectKind, label: string) => ({
    search: guarded((ctx) => {
      const { query } = ctx;
      const predicate = metadataPredicate(query.filter, query.query);
      const matching = sortObjects(
        predicate ? lists[kind].filter((o) => predicate(o.attrs)) : lists[kind],
        query.sort,
      );
      const page = paged(matching, query);
      const body = {
        ...page,
        data: page.data.map((o) => present(kind, o.attrs, query.returnedMetadataFields)),
      };
      return listAnswer(ctx, body, body.data);
    }),
    get: ({ pathParams, query }: RequestContext): HandlerResult => {
      const o = find(kind, pathParams.id);
      if (!o) return error(404, `${label} '${pathParams.id}' could not be found`);
      return { status: 200, body: present(kind, o.attrs, query.returnedMetadataFields) };
    },
    versions: ({ pathParams }: RequestContext): HandlerResult => {
      const o = find(kind, pathParams.id);
      if (!o) return error(404, `${label} '${pathParams.id}' could not be found`);
      return {
        status: 200,
        body: o.versions.map(({ version, author, message, timestamp }) => ({
          version,
          author,
          message,
          timestamp,
        })),
      };
    },
    version: ({ pathParams, query }: RequestContext): HandlerResult => {
      const o = find(kind, pathParams.id);
      if (!o) return error(404, `${label} '${pathParams.id}' could not be found`);
      const v = o.versions.find((x) => x.version === pathParams.version);
      if (!v) return error(404, `${label} '${o.accession}' has no version '${pathParams.version}'`);
      return { status: 200, body: present(kind, v.attrs, query.returnedMetadataFields) };
    },
  });
  const studies = objectHandlers("study", "Study");
  const samples = objectHandlers("sample", "Sample");
  const libraries = objectHandlers("library", "Library");
  const preparations = objectHandlers("preparation", "Preparation");

  const byGroup = (kind: "library" | "preparation") => (ctx: RequestContext) => {
    const group = groups.get(ctx.pathParams.id);
    if (!group || group.kind !== kind) return error(404, `Group '${ctx.pathParams.id}' could not be found`);
    const members = lists[kind].filter((o) => o.group === group.accession);
    const page = paged(members, ctx.query);
    return {
      status: 200,
      body: { ...page, data: page.data.map((o) => present(kind, o.attrs, ctx.query.returnedMetadataFields)) },
    };
  };

  /** Link endpoints of the form `{target}s/by/{source}s` with filter/query on the source. */
  const linkByQuery = (source: ObjectKind, target: ObjectKind) =>
    guarded((ctx) => {
      const predicate = metadataPredicate(ctx.query.filter, ctx.query.query);
      const matched = predicate ? lists[source].filter((o) => predicate(o.attrs)) : lists[source];
      const linked = new Map<string, MetaObject>();
      const add = (o: MetaObject | undefined) => o && linked.set(o.accession, o);
      for (const o of matched) {
        if (target === "study") {
          const sample = source === "sample" ? o : objects.get(o.parent ?? "");
          add(objects.get(sample?.parent ?? ""));
        } else if (target === "sample") add(objects.get(o.parent ?? ""));
        else children(target as "library" | "preparation", o.accession).forEach(add);
      }
      const page = paged(sortObjects([...linked.values()], "id"), ctx.query);
      const body = {
        ...page,
        data: page.data.map((o) => present(target, o.attrs, ctx.query.returnedMetadataFields)),
      };
      return listAnswer(ctx, body, body.data);
    });

  const sampleArg = (ctx: RequestContext) => find("sample", ctx.pathParams.id);
  const studyArg = (ctx: RequestContext) => find("study", ctx.pathParams.id);
  const notRetrievable = (what: string, id: string) => error(400, `${what} '${id}' could not be retrieved`);

  const runsBySample = (kind: DataKind) => (ctx: RequestContext) => {
    const sample = sampleArg(ctx);
    if (!sample) return notRetrievable("Sample", ctx.pathParams.id);
    const linked = catalog.runs
      .filter((r) => r.sample === sample.accession && groups.get(r.group)?.kind === kind)
      .map((r) => runObject(r.accession));
    const body = paged(linked, ctx.query);
    return listAnswer(ctx, body, body.data);
  };
  const groupsByStudy = (kind: GroupKind) => (ctx: RequestContext) => {
    const study = studyArg(ctx);
    if (!study) return error(400, `Invalid study accession '${ctx.pathParams.id}'`);
    return {
      status: 200,
      body: catalog.groups
        .filter((g) => g.kind === kind && g.study === study.accession)
        .map((g) => ({ itemId: g.accession, metadata: { ...g.attrs } })),
    };
  };
  const childrenBySample = (kind: "library" | "preparation") => (ctx: RequestContext) => {
    const sample = sampleArg(ctx);
    if (!sample) return notRetrievable("Sample", ctx.pathParams.id);
    const rows = children(kind, sample.accession).map((o) =>
      present(kind, o.attrs, ctx.query.returnedMetadataFields),
    );
    return listAnswer(ctx, rows, rows);
  };

  // ------------------------------------------------------------------ streamed exports
  const round = (value: number, digits: number) => {
    const factor = 10 ** digits;
    return String(Math.round(value * factor) / factor);
  };
  const streamTsv = (ctx: RequestContext, lines: Iterable<string>): HandlerResult => {
    checkOwn(ctx.operationId, 200, TSV);
    const res = ctx.res;
    res.writeHead(200, { "content-type": `${TSV}; charset=utf-8` });
    const iterator = lines[Symbol.iterator]();
    const pump = () => {
      for (;;) {
        const next = iterator.next();
        if (next.done) return void res.end();
        if (!res.write(`${next.value}\n`)) return void res.once("drain", pump);
      }
    };
    pump();
    return { stream: true };
  };
  /**
   * The runs of an exported group whose samples match the sample, library and preparation
   * conditions (and, for variant exports, whose linked expression data matches `exQuery`).
   */
  const exportRuns = <R extends { sample?: string }>(
    query: Record<string, any>,
    runsOfGroup: R[],
    withExQuery: boolean,
  ) => {
    const c = conditions({
      sampleFilter: query.sampleFilter,
      sampleQuery: query.sampleQuery,
      libraryFilter: query.libraryFilter,
      libraryQuery: query.libraryQuery,
      preparationFilter: query.preparationFilter,
      preparationQuery: query.preparationQuery,
      exQuery: withExQuery ? query.exQuery : undefined,
    });
    return runsOfGroup.filter((r) => {
      const sample = objects.get(r.sample ?? "");
      return sample !== undefined && c.sample(sample);
    });
  };

  // ------------------------------------------------------------------ jobs
  const basename = (link: string) => {
    const last = link.split(/[/\\]/).pop() ?? link;
    return decodeURIComponent(last.split("?")[0] ?? last) || "import";
  };
  const checkLink = (link: unknown, source: unknown, field: string): string | undefined => {
    if (typeof link !== "string" || link.trim() === "") return `${field} is required`;
    if (source === "LOCAL") return undefined;
    if (!/^(https?|s3):\/\/\S+$/i.test(link)) return `${field} must be an http(s) or s3 URL (got ${link})`;
    return undefined;
  };
  const now = () => Date.now();
  const userOf = (ctx: RequestContext) => (ctx.principal as { user: string }).user;

  const startJob =
    (jobName: string, linkFields: string[], effect: (ctx: RequestContext) => JobEffect) =>
    (ctx: RequestContext): HandlerResult => {
      const body = ctx.body as Record<string, unknown>;
      for (const field of linkFields) {
        if (field.endsWith("?") && body[field.slice(0, -1)] === undefined) continue;
        const name = field.replace(/\?$/, "");
        const problem = checkLink(body[name], body.source, name);
        if (problem) return error(400, problem);
      }
      const key = `${jobName}:${linkFields.map((f) => String(body[f.replace(/\?$/, "")] ?? "")).join("|")}`;
      if (importedLinks.has(key) && !ctx.query.allow_dups)
        return error(
          400,
          `This data was already imported from the same links; pass allow_dups=true to import it again`,
        );
      const run = effect(ctx);
      const job = jobs.start(jobName, userOf(ctx), () => {
        const outcome = run();
        if ("result" in outcome) importedLinks.add(key);
        return outcome;
      });
      return { status: 200, body: jobs.info(job) };
    };

  const DAY = 86_400_000;
  const importObjects =
    (kind: ObjectKind, groupKind: "sample" | "library" | "preparation" | undefined) =>
    (ctx: RequestContext): JobEffect =>
    () => {
      const body = ctx.body as Record<string, unknown>;
      const name = basename(String(body.metadataLink)).replace(/\.[^.]+$/, "");
      const when = now();
      if (kind === "study") {
        const acc = ids.take("study");
        const attrs: Attrs = {
          "genestack:accession": acc,
          "Study Title": `Imported study ${name}`,
          "Study Source": "Import",
          "Study Type": "Unknown",
          "Study Description": `Imported from ${String(body.metadataLink)}.`,
        };
        addObject({
          accession: acc,
          kind,
          attrs,
          versions: [{ version: "1", author: userOf(ctx), message: "Imported", timestamp: when, attrs }],
          created: when,
          updated: when,
          name: String(attrs["Study Title"]),
        });
        return { result: { groupAccession: acc, accession: acc } };
      }
      const group = ids.take(`${groupKind}-group`);
      addGroup({
        accession: group,
        kind: groupKind!,
        attrs: { "genestack:accession": group, "Group Type": `${kind} import`, "Source File": name },
      });
      const idKey = {
        sample: "Sample Source ID",
        library: "Library ID",
        preparation: "Preparation ID",
        study: "",
      }[kind];
      for (let i = 1; i <= 3; i++) {
        const acc = ids.take(kind);
        const attrs: Attrs = {
          "genestack:accession": acc,
          [idKey]: `${name}-${i}`,
          ...(kind === "sample" ? { "Species or strain": "Homo sapiens" } : {}),
          groupId: group,
        };
        addObject({
          accession: acc,
          kind,
          attrs,
          versions: [{ version: "1", author: userOf(ctx), message: "Imported", timestamp: when, attrs }],
          created: when + i,
          updated: when + i,
          name: `${name}-${i}`,
          group,
        });
      }
      return { result: { groupAccession: group } };
    };
  const importData =
    (kind: DataKind | "cells") =>
    (ctx: RequestContext): JobEffect =>
    () => {
      const body = ctx.body as Record<string, unknown>;
      if (body.previousVersion !== undefined) {
        const previous = groups.get(String(body.previousVersion));
        if (!previous || previous.kind !== kind)
          return {
            error: {
              stage: "VALIDATION",
              stack: [
                {
                  type: "NotFoundException",
                  message: `Group '${String(body.previousVersion)}' could not be found`,
                },
              ],
            },
          };
      }
      const group = ids.take(`${kind}-group`);
      const attrs: Attrs = {
        "genestack:accession": group,
        "Data Class":
          (body.dataClass as string | undefined) ??
          {
            expression: "Other",
            variant: "Variant calls",
            "flow-cytometry": "Flow cytometry",
            cells: "Cell metadata",
          }[kind],
        "Source File": basename(String(body.dataLink)),
      };
      if (body.previousVersion !== undefined) attrs["Previous Version"] = body.previousVersion;
      addGroup({ accession: group, kind, attrs });
      return { result: { groupAccession: group } };
    };
  const importFile =
    (ctx: RequestContext): JobEffect =>
    () => {
      const body = ctx.body as { dataLink: string; studyAccession: string; dataClass: string };
      const study = find("study", body.studyAccession);
      if (!study)
        return {
          error: {
            stage: "VALIDATION",
            stack: [
              { type: "NotFoundException", message: `Study '${body.studyAccession}' could not be found` },
            ],
          },
        };
      const name = basename(body.dataLink);
      let hash = 0;
      for (const ch of body.dataLink) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) >>> 0;
      const file = makeFile(
        ids.take("file"),
        study.accession,
        {
          name,
          dataClass: body.dataClass,
          size: 10_000 + (hash % 2_000_000),
          description: `Imported from ${body.dataLink}.`,
          ...(hasContents(name) ? { contents: { error: "File structure is still being indexed" } } : {}),
        },
        fileSeed++,
        now(),
      );
      catalog.files.push(file);
      files.set(file.accession, file);
      return { result: { accession: file.accession } };
    };
  const jobArg = (ctx: RequestContext) => jobs.jobs.get(ctx.pathParams.jobExecId as number);
  const noJob = (ctx: RequestContext) => error(404, `Job ${ctx.pathParams.jobExecId} could not be found`);

  // ------------------------------------------------------------------ files
  const fileArg = (ctx: RequestContext) => files.get(ctx.pathParams.id);
  const fileNotFound = (ctx: RequestContext) => error(404, `File '${ctx.pathParams.id}' could not be found`);
  const notDownloadable = (file: CatalogFile) =>
    error(406, `File '${file.accession}' cannot be downloaded: its content is archived`);
  const inHdf5 = (
    file: CatalogFile,
    test: (node: { path: string; name: string }, isGroup: boolean) => boolean,
  ) => {
    if (file.contents?.type !== "HDF5") return false;
    const groupsList = (file.contents.groups as { path: string; name: string }[]) ?? [];
    const datasets = (file.contents.datasets as { path: string; name: string }[]) ?? [];
    return groupsList.some((g) => test(g, true)) || datasets.some((d) => test(d, false));
  };

  router = new SpecRouter({
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
    handlers: {
      // ---------------------------------------------------------------- files
      getFilesMetadataAsUser: guarded((ctx) => {
        const { query } = ctx;
        const predicate = metadataPredicate(query.filter, query.query);
        const matching = catalog.files
          .filter((f) => !predicate || predicate(f.attrs))
          .filter(
            (f) => !query.dataClass || f.dataClass.toLowerCase() === String(query.dataClass).toLowerCase(),
          )
          .filter((f) => !query.fullPath || inHdf5(f, (n) => n.path === query.fullPath))
          .filter((f) => !query.partialPath || inHdf5(f, (n) => n.path.includes(query.partialPath)))
          .filter((f) => !query.group || inHdf5(f, (n, isGroup) => isGroup && n.name === query.group))
          .filter((f) => !query.dataset || inHdf5(f, (n, isGroup) => !isGroup && n.name === query.dataset))
          .sort((a, b) => a.accession.localeCompare(b.accession));
        const page = paged(matching, query);
        const body = { ...page, data: page.data.map((f) => presentFile(f, query.includeContents)) };
        return listAnswer(ctx, body, body.data);
      }),
      getFileMetadataByIdAsUser(ctx) {
        const file = fileArg(ctx);
        if (!file) return fileNotFound(ctx);
        return { status: 200, body: presentFile(file, ctx.query.includeContents) };
      },
      getFileAsUser(ctx) {
        const file = fileArg(ctx);
        if (!file) return fileNotFound(ctx);
        if (!file.downloadable) return notDownloadable(file);
        const entry = entries.get(ctx.req);
        ctx.res.setHeader("content-disposition", `attachment; filename="${file.name}"`);
        serveFile(ctx.req, ctx.res, virtual(file), faults, {
          onBytes: (n) => {
            if (entry) entry.bytesSent += n;
          },
        });
        checkOwn(
          "getFileAsUser",
          ctx.res.statusCode,
          ctx.res.statusCode < 300 ? "application/octet-stream" : undefined,
        );
        if (ctx.res.statusCode === 206 && !ctx.res.getHeader("content-range")) {
          router.violations.push({
            operationId: "getFileAsUser",
            kind: "response",
            status: 206,
            message: "206 without Content-Range",
          });
        }
        return { stream: true };
      },
      headFileAsUser(ctx) {
        const file = fileArg(ctx);
        if (!file) return fileNotFound(ctx);
        if (!file.downloadable) return notDownloadable(file);
        const v = virtual(file);
        return {
          status: 200,
          headers: {
            "content-type": "application/octet-stream",
            "content-length": file.size,
            "accept-ranges": "bytes",
            etag: etagOf(v),
            "last-modified": file.lastModified.toUTCString(),
            "content-disposition": `attachment; filename="${file.name}"`,
          },
        };
      },

      // ---------------------------------------------------------------- studies ... preparations
      searchStudiesAsUser: studies.search,
      getStudyAsUser: studies.get,
      getStudyVersionsAsUser: studies.versions,
      getStudyByVersionAsUser: studies.version,
      searchSamplesAsUser: samples.search,
      getSampleAsUser: samples.get,
      getSampleVersionsAsUser: samples.versions,
      getSampleByVersionAsUser: samples.version,
      searchLibrariesAsUser: libraries.search,
      getLibraryAsUser: libraries.get,
      getLibraryVersionsAsUser: libraries.versions,
      getLibraryByVersionAsUser: libraries.version,
      getLibrariesByGroupAsUser: byGroup("library"),
      searchPreparationsAsUser: preparations.search,
      getPreparationAsUser: preparations.get,
      getPreparationVersionsAsUser: preparations.versions,
      getPreparationByVersionAsUser: preparations.version,
      getPreparationsByGroupAsUser: byGroup("preparation"),

      // ---------------------------------------------------------------- integration
      getSamplesByStudyAsUser(ctx) {
        const study = studyArg(ctx);
        if (!study) return notRetrievable("Study", ctx.pathParams.id);
        const linked = catalog.samples.filter((s) => s.parent === study.accession);
        const page = paged(linked, ctx.query);
        const body = {
          ...page,
          data: page.data.map((o) => present("sample", o.attrs, ctx.query.returnedMetadataFields)),
        };
        return listAnswer(ctx, body, body.data);
      },
      getFilesByStudyAsUser(ctx) {
        const study = studyArg(ctx);
        if (!study) return notRetrievable("Study", ctx.pathParams.id);
        return {
          status: 200,
          body: catalog.files
            .filter((f) => f.study === study.accession)
            .map((f) => presentFile(f, ctx.query.includeContents)),
        };
      },
      getStudyBySampleAsUser(ctx) {
        const sample = sampleArg(ctx);
        const study = sample ? find("study", sample.parent ?? "") : undefined;
        if (!study) return error(400, `No study is linked to '${ctx.pathParams.id}'`);
        return { status: 200, body: present("study", study.attrs, ctx.query.returnedMetadataFields) };
      },
      getLibraryBySampleAsUser: childrenBySample("library"),
      getPreparationBySampleAsUser: childrenBySample("preparation"),
      getExpressionBySampleAsUser: runsBySample("expression"),
      getVariantBySampleAsUser: runsBySample("variant"),
      getFlowCytometryBySampleAsUser: runsBySample("flow-cytometry"),
      getExpressionGroupsByStudyAsUser: groupsByStudy("expression"),
      getVariantGroupsByStudyAsUser: groupsByStudy("variant"),
      getFlowCytometryGroupsByStudyAsUser: groupsByStudy("flow-cytometry"),
      getLibraryGroupsByStudyAsUser: groupsByStudy("library"),
      getPreparationGroupsByStudyAsUser: groupsByStudy("preparation"),
      getStudiesBySamplesAsUser: linkByQuery("sample", "study"),
      getStudiesByLibrariesAsUser: linkByQuery("library", "study"),
      getStudiesByPreparationsAsUser: linkByQuery("preparation", "study"),
      getSamplesByLibrariesAsUser: linkByQuery("library", "sample"),
      getSamplesByPreparationsAsUser: linkByQuery("preparation", "sample"),
      getLibrariesBySamplesAsUser: linkByQuery("sample", "library"),
      getPreparationsBySamplesAsUser: linkByQuery("sample", "preparation"),

      // ---------------------------------------------------------------- omics (cursor)
      omicsSearchSamplesAsUser: guarded(({ query }) => {
        const c = conditions(query);
        const matching = sortObjects(
          catalog.samples.filter((s) => c.sample(s)),
          "id",
        );
        const page = cursorPage(matching, (s) => s.accession, query);
        return {
          status: 200,
          body: {
            ...page,
            data: page.data.map((s) => present("sample", s.attrs, query.returnedMetadataFields)),
          },
        };
      }),
      omicsSearchExpressionDataAsUser: searchData("expression"),
      omicsSearchVariantDataAsUser: searchData("variant"),
      omicsSearchFlowCytometryDataAsUser: searchData("flow-cytometry"),
      omicsSearchExpressionGroupsAsUser: searchGroups("expression"),
      omicsSearchVariantGroupsAsUser: searchGroups("variant"),
      omicsSearchFlowCytometryGroupsAsUser: searchGroups("flow-cytometry"),

      // ---------------------------------------------------------------- omics (TSV)
      omicsSearchStreamedExpressionDataAsUser: guarded((ctx) => {
        const { query } = ctx;
        const group = groups.get(query.groupAccession);
        if (!group || group.kind !== "expression")
          return error(404, `Group '${query.groupAccession}' could not be found`);
        const digits = (query.roundDigits as number | undefined) ?? 4;
        const featureMatch = dataPredicate("expression", query.exQuery);
        const selected = exportRuns(
          query,
          catalog.runs.filter((r) => r.group === group.accession),
          false,
        );
        const items = catalog.items.expression.filter((it) => it.itemOrigin.groupId === group.accession);
        const byFeature = new Map<string, Map<string, DataItem>>();
        for (const it of items) {
          const id = String(it.feature!.Genes);
          if (!byFeature.has(id)) byFeature.set(id, new Map());
          byFeature.get(id)!.set(it.itemOrigin.runId, it);
        }
        function* lines() {
          yield ["Genes", "Symbol", ...selected.map((r) => r.runSourceId)].join("\t");
          for (const [id, perRun] of byFeature) {
            const cells = selected.map((r) => perRun.get(r.accession));
            if (featureMatch && !cells.some((it) => it && featureMatch(it))) continue;
            const symbol = String([...perRun.values()][0]!.feature!.Symbol);
            yield [id, symbol, ...cells.map((it) => (it ? round(Number(it.value!.value), digits) : ""))].join(
              "\t",
            );
          }
        }
        return streamTsv(ctx, lines());
      }),
      omicsSearchStreamedVariantDataAsUser: guarded((ctx) => {
        const { query } = ctx;
        const group = groups.get(query.groupAccession);
        if (!group || group.kind !== "variant")
          return error(404, `Group '${query.groupAccession}' could not be found`);
        const variantMatch = dataPredicate("variant", query.vxQuery);
        const selected = exportRuns(
          query,
          catalog.runs.filter((r) => r.group === group.accession),
          true,
        );
        const items = catalog.items.variant.filter((it) => it.itemOrigin.groupId === group.accession);
        const variants = new Map<string, { item: DataItem; gts: Map<string, string> }>();
        for (const it of items) {
          const key = `${it.variant!.chrom}:${String(it.variant!.pos).padStart(12, "0")}`;
          if (!variants.has(key)) variants.set(key, { item: it, gts: new Map() });
          variants.get(key)!.gts.set(it.itemOrigin.runId, it.genotype!.GT!);
        }
        const sortedKeys = [...variants.keys()].sort();
        function* lines() {
          yield [
            "CHROM",
            "POS",
            "ID",
            "REF",
            "ALT",
            "QUAL",
            "FILTER",
            "INFO",
            ...selected.map((r) => r.runSourceId),
          ].join("\t");
          for (const key of sortedKeys) {
            const { item, gts } = variants.get(key)!;
            if (variantMatch && !variantMatch(item)) continue;
            const v = item.variant!;
            const info = Object.entries(v.info)
              .map(([k, values]) => `${k}=${values.join(",")}`)
              .join(";");
            yield [
              v.chrom,
              v.pos,
              v.id.join(";"),
              v.ref,
              v.alt.join(","),
              v.qual,
              v.filter.join(";"),
              info,
              ...selected.map((r) => gts.get(r.accession) ?? "0/0"),
            ].join("\t");
          }
        }
        return streamTsv(ctx, lines());
      }),

      // ---------------------------------------------------------------- jobs
      startImportStudy: startJob("importStudy", ["metadataLink"], importObjects("study", undefined)),
      startImportSamples: startJob("importSamples", ["metadataLink"], importObjects("sample", "sample")),
      startImportLibraries: startJob(
        "importLibraries",
        ["metadataLink"],
        importObjects("library", "library"),
      ),
      startImportPreparations: startJob(
        "importPreparations",
        ["metadataLink"],
        importObjects("preparation", "preparation"),
      ),
      startImportExpression: startJob(
        "importExpression",
        ["dataLink", "metadataLink?"],
        importData("expression"),
      ),
      startImportVariant: startJob("importVariant", ["dataLink", "metadataLink?"], importData("variant")),
      startImportFlowCytometry: startJob(
        "importFlowCytometry",
        ["dataLink", "metadataLink?"],
        importData("flow-cytometry"),
      ),
      startImportCells: startJob("importCells", ["dataLink"], importData("cells")),
      startImportFile: startJob("importFile", ["dataLink", "metadataLink?"], importFile),
      getJobInfo(ctx) {
        const job = jobArg(ctx);
        return job ? { status: 200, body: jobs.info(jobs.advance(job)) } : noJob(ctx);
      },
      getJobOutput(ctx) {
        const job = jobArg(ctx);
        return job ? { status: 200, body: jobs.output(jobs.advance(job)) } : noJob(ctx);
      },
      stopJob(ctx) {
        const job = jobArg(ctx);
        return job ? { status: 200, body: jobs.info(jobs.stop(job)) } : noJob(ctx);
      },
      restartJob(ctx) {
        const job = jobArg(ctx);
        return job ? { status: 200, body: jobs.info(jobs.restart(job)) } : noJob(ctx);
      },
    },
  });
  for (const { op } of operations(router.spec)) {
    const operationId = stringAt(op, "operationId");
    if (operationId) byId.set(operationId, op);
  }

  const api = await listen(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const entry: OdmRecordedRequest = record(req, url);
    requests.push(entry);
    entries.set(req, entry);
    res.on("finish", () => (entry.status = res.statusCode));
    res.on("close", () => (entry.status ??= res.statusCode));
    try {
      jobs.advanceAll();
      if (await faults.intercept(req, res, (status) => errorBody(status, `Injected ${status}`))) return;
      await router.handle(req, res, url);
    } catch (e) {
      send(res, 500, errorBody(500, `sandbox error: ${(e as Error).message}`));
    }
  }, options.port ?? 0);

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
    failNextJob: (message) => jobs.failNext(message),
    job(jobExecId) {
      const job: Job | undefined = jobs.jobs.get(jobExecId);
      return job ? jobs.info(jobs.advance(job)) : undefined;
    },
    setJobDurations(durations) {
      Object.assign(jobs.durations, durations);
    },
    revokeToken(token) {
      apiTokens.delete(token);
      accessTokens.delete(token);
    },
    close: () => api.close(),
  };
}
