/** Flow sandbox routes: single-file downloads (Bearer, `?token=` or the cookie), the results archive, the annotation template. */
import { serveFile } from "../../content.js";
import { bufferSource, serveSource } from "../files.js";
import { EPOCH } from "../fixtures.js";
import { xlsxWithHeaders } from "../xlsx.js";
import { NOT_FOUND, BARE_404 } from "../replies.js";
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";
import { ignoreRange } from "../range-policy.js";

/** Handlers by operationId. */
export function downloadsRoutes(c: FlowContext): Record<string, Handler> {
  const { store, faults, engine, serveData, archiveOf, countBytes } = c;
  return {
    downloadData(ctx) {
      const d = store.data.get(ctx.pathParams.dataId);
      if (!d || !store.canReadData(d, ctx.principal) || d.filename !== ctx.pathParams.filename)
        return BARE_404;
      return serveData(ctx, d);
    },
    downloadExecutionResults(ctx) {
      const e = store.executions.get(ctx.pathParams.executionId);
      if (!e || !store.canReadExecution(e, ctx.principal)) return BARE_404;
      engine.advance(e);
      if (e.status !== "OK" || ctx.pathParams.filename !== "results.zip") return BARE_404;
      ctx.res.setHeader("content-disposition", `attachment; filename="${e.identifier}_results.zip"`);
      ignoreRange(ctx.req);
      serveFile(ctx.req, ctx.res, archiveOf(e), faults, { onBytes: countBytes(ctx.req) });
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
  };
}
