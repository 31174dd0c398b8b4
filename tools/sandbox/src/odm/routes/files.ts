/** ODM sandbox routes: attached files (list, metadata, download, HEAD). */
import { etagOf, serveFile } from "../../content.js";
import type { Handler, RequestContext } from "../../spec-router.js";
import type { CatalogFile } from "../catalog.js";
import { metadataPredicate } from "../query.js";
import { error, virtual, type OdmContext } from "../context.js";

/** Handlers by operationId. */
export function filesRoutes(c: OdmContext): Record<string, Handler> {
  const { catalog, checkOwn, entries, faults, files, guarded, listAnswer, paged, presentFile } = c;
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
  return {
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
        c.router.violations.push({
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
  };
}
