/**
 * The ODM sandbox's shared state and helpers: the catalog and its indexes, the job engine, the
 * recorded requests, and the presentation, paging, TSV and error helpers every route module uses.
 */
import type { IncomingMessage } from "node:http";
import { deref, objectAt, operations, stringAt, type JsonObject } from "@sciportals/codegen/spec";
import type { VirtualFile } from "../content.js";
import { Faults } from "../faults.js";
import { record } from "../http.js";
import { SpecRouter, type HandlerResult, type RequestContext } from "../spec-router.js";
import {
  buildCatalog,
  catalogIds,
  hasContents,
  type Attrs,
  type CatalogFile,
  type DataGroup,
  type DataItem,
  type MetaObject,
  type ObjectKind,
} from "./catalog.js";
import { JobEngine } from "./jobs.js";
import { QuerySyntaxError, type FilterSubject } from "./query.js";
import {
  ODM_SANDBOX_ACCESS_TOKEN,
  ODM_SANDBOX_API_TOKEN,
  type OdmRecordedRequest,
  type OdmSandboxOptions,
} from "./types.js";
export const TSV = "text/tab-separated-values";
export const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  500: "Internal Server Error",
  501: "Not Implemented",
};

/** Error bodies: the spec leaves them opaque; the sandbox sends a Spring-style JSON object. */
export const errorBody = (status: number, message: string) => ({
  status,
  error: REASONS[status] ?? "Error",
  message,
});
export const error = (status: number, message: string): HandlerResult => ({
  status,
  body: errorBody(status, message),
});

export const UNAUTHENTICATED =
  "User is not authenticated. Please supply a valid Access Token in the `Authorization` HTTP header " +
  "(e.g. Authorization: bearer [token]) or Genestack API token in the `Genestack-API-Token` header " +
  "(this token may be obtained from the Genestack UI Profile page).";

/** Attributes kept by `returnedMetadataFields=minimal_data` (the default template's). */
export const MINIMAL: Record<ObjectKind, Set<string>> = {
  study: new Set(["genestack:accession", "Study Title", "Study Source", "Study Type"]),
  sample: new Set(["genestack:accession", "Sample Source ID", "Species or strain", "Disease", "groupId"]),
  library: new Set(["genestack:accession", "Library ID", "Library Type", "Sample Source ID", "groupId"]),
  preparation: new Set(["genestack:accession", "Preparation ID", "Digestion", "Sample Source ID", "groupId"]),
};

export type DataKind = "expression" | "variant" | "flow-cytometry";
export const DATA_PARAMS: Record<DataKind, { query: string; filter: string }> = {
  expression: { query: "exQuery", filter: "exFilter" },
  variant: { query: "vxQuery", filter: "vxFilter" },
  "flow-cytometry": { query: "fxQuery", filter: "fxFilter" },
};

export function virtual(file: CatalogFile): VirtualFile {
  return { size: file.size, seed: file.seed, lastModified: file.lastModified };
}

export function caseless(record: Record<string, unknown> | undefined, key: string): unknown {
  if (!record) return undefined;
  if (key in record) return record[key];
  const found = Object.keys(record).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : record[found];
}

export const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** How a data query sees one data item, per data kind. */
export function dataSubject(kind: DataKind, item: DataItem): FilterSubject {
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
export class OdmFaults extends Faults {
  cutEvery: number | undefined;
  isDownload: (req: IncomingMessage) => boolean = () => false;
  override takeCut(req: IncomingMessage): number | undefined {
    return (
      super.takeCut(req) ?? (this.cutEvery !== undefined && this.isDownload(req) ? this.cutEvery : undefined)
    );
  }
}

/** Builds the sandbox's state from its options; the router is attached once it exists. */
export function createOdmContext(options: OdmSandboxOptions) {
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
  /** Files received by the multipart imports, oldest first. */
  const uploads: { operationId: string; filename: string; size: number; sha256: string }[] = [];
  /** A fresh content seed for a file an import adds. */
  const nextFileSeed = () => fileSeed++;

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

  // ------------------------------------------------------------------ metadata object handlers
  const find = (kind: ObjectKind, accession: string) => {
    const o = objects.get(accession);
    return o && o.kind === kind ? o : undefined;
  };
  const sampleArg = (ctx: RequestContext) => find("sample", ctx.pathParams.id);
  const studyArg = (ctx: RequestContext) => find("study", ctx.pathParams.id);
  const notRetrievable = (what: string, id: string) => error(400, `${what} '${id}' could not be retrieved`);
  /** The router checks every request and response; set by the server once it is built. */
  const setRouter = (r: SpecRouter) => {
    router = r;
    for (const { op } of operations(r.spec)) {
      const operationId = stringAt(op, "operationId");
      if (operationId) byId.set(operationId, op);
    }
  };
  return {
    accessTokens,
    addGroup,
    addObject,
    apiTokens,
    byId,
    catalog,
    cell,
    checkOwn,
    children,
    entries,
    faults,
    nextFileSeed,
    uploads,
    files,
    find,
    groups,
    guarded,
    ids,
    importedLinks,
    itemsBySample,
    jobs,
    listAnswer,
    lists,
    notRetrievable,
    objects,
    paged,
    present,
    presentFile,
    requests,
    runObject,
    runs,
    sampleArg,
    sortObjects,
    studyArg,
    toTsv,
    wantsTsv,
    writeText,
    setRouter,
    get router() {
      return router;
    },
  };
}

/** The sandbox's state and helpers, as the route modules see them. */
export type OdmContext = ReturnType<typeof createOdmContext>;
