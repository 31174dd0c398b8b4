/** Flow sandbox routes: bulk download jobs (start, status for a waiter, the tar.gz archive). */
import type { Handler } from "../../spec-router.js";
import { bufferSource, serveSource } from "../files.js";
import type { FlowContext } from "../context.js";
import { ignoreRange } from "../range-policy.js";
import { bad, BARE_404, NOT_FOUND } from "../replies.js";
import type { Principal } from "../store.js";

/** Archives larger than this are refused when the job starts. */
const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;

/** Handlers by operationId. */
export function bulkDownloadsRoutes(c: FlowContext): Record<string, Handler> {
  const { store, bulk, faults, dataBytes, countBytes } = c;
  const ownJob = (id: string, p: Principal) => {
    const job = bulk.jobs.get(id.toLowerCase());
    return job && job.ownerId === p.user.id ? job : undefined;
  };
  return {
    async startBulkDownload({ body, principal }) {
      const p = principal as Principal;
      const ids = (body.data as (string | number)[]).map(String);
      const records = ids.map((id) => [id, store.data.get(id)] as const);
      const missing = records.find(([, d]) => !d || !d.ready || !store.canReadData(d, p));
      if (missing) return bad({ data: [`Unknown data ${missing[0]}`] });
      const total = records.reduce((sum, [, d]) => sum + d!.size, 0);
      if (total > MAX_ARCHIVE_BYTES)
        return bad({ data: [`The files add up to more than ${MAX_ARCHIVE_BYTES} bytes`] });
      const entries = await Promise.all(
        records.map(async ([, d]) => ({
          name: `${d!.id}/${d!.filename}`,
          data: await dataBytes(d!, 0, d!.size),
          mtime: d!.lastModified,
        })),
      );
      return { status: 200, body: bulk.view(bulk.start(p.user.id, entries)) };
    },
    getBulkDownloadStatus({ query, principal }) {
      const job = ownJob(String(query.id), principal as Principal);
      return job ? { status: 200, body: bulk.view(job) } : NOT_FOUND;
    },
    downloadBulkArchive(ctx) {
      const job = ownJob(ctx.pathParams.jobId, ctx.principal as Principal);
      if (!job || bulk.status(job) !== "completed") return BARE_404;
      ignoreRange(ctx.req);
      ctx.res.setHeader("content-disposition", `attachment; filename="flow-${job.id}.tar.gz"`);
      const source = bufferSource(bulk.archive(job), "application/gzip", new Date(job.created));
      void serveSource(ctx.req, ctx.res, source, faults, countBytes(ctx.req)).catch(() => ctx.res.destroy());
      return { stream: true };
    },
  };
}
