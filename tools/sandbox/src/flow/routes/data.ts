/** Flow sandbox routes: data files: search, owned and shared lists, detail, contents, sharing, types. */
import { type Principal, type Sample } from "../store.js";
import { NOT_FOUND, bad, ok, nowSeconds, contains, paged, sortBy } from "../replies.js";
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";

/** Handlers by operationId. */
export function dataRoutes(c: FlowContext): Record<string, Handler> {
  const {
    store,
    ownedBy,
    views,
    need,
    visibleData,
    visibleExecutions,
    sharedWith,
    createdRange,
    ownerMatches,
    share,
    transfer,
    remove,
    batchDelete,
    dataTypeRegistry,
    dataBytes,
    dataTypes,
  } = c;
  return {
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
  };
}
