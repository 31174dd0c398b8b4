/**
 * ODM sandbox routes: the multipart imports (`POST /api/v1/jobs/import/{kind}/multipart`, user
 * docs "Multipart uploads reference"). The file travels in the request, as the last part; the job
 * is the one its link-based counterpart starts, with the upload standing in for the link.
 */
import { createHash } from "node:crypto";
import { schemaErrors, type Handler, type RequestContext } from "../../spec-router.js";
import { error, type OdmContext } from "../context.js";

/** Multipart operation -> its JSON counterpart, the link field the upload stands in for, and its form schema. */
const KINDS: Record<string, { json: string; link: string; schema: string }> = {
  startImportSamplesMultipart: {
    json: "startImportSamples",
    link: "metadataLink",
    schema: "MultipartMetadataImport",
  },
  startImportLibrariesMultipart: {
    json: "startImportLibraries",
    link: "metadataLink",
    schema: "MultipartMetadataImport",
  },
  startImportPreparationsMultipart: {
    json: "startImportPreparations",
    link: "metadataLink",
    schema: "MultipartMetadataImport",
  },
  startImportCellsMultipart: {
    json: "startImportCells",
    link: "dataLink",
    schema: "MultipartMetadataImport",
  },
  startImportExpressionMultipart: {
    json: "startImportExpression",
    link: "dataLink",
    schema: "MultipartSignalImport",
  },
  startImportVariantMultipart: {
    json: "startImportVariant",
    link: "dataLink",
    schema: "MultipartSignalImport",
  },
  startImportFlowCytometryMultipart: {
    json: "startImportFlowCytometry",
    link: "dataLink",
    schema: "MultipartSignalImport",
  },
  startImportFileMultipart: { json: "startImportFile", link: "dataLink", schema: "MultipartFileImport" },
};

/** Handlers by operationId; `json` holds the link-based import handlers they hand the job to. */
export function multipartImportRoutes(c: OdmContext, json: Record<string, Handler>): Record<string, Handler> {
  const { uploads } = c;
  const handler =
    ({ json: jsonId, link, schema }: (typeof KINDS)[string]): Handler =>
    async (ctx: RequestContext) => {
      const raw = ctx.body as Buffer | undefined;
      if (!raw?.length) return error(400, "the request has no multipart body");
      let form: FormData;
      try {
        form = await new Response(new Uint8Array(raw), {
          headers: { "content-type": String(ctx.req.headers["content-type"]) },
        }).formData();
      } catch {
        return error(400, "the multipart body cannot be read");
      }
      const keys = [...form.keys()];
      const file = form.get("file");
      if (!(file instanceof File)) return error(400, "the `file` part is required");
      if (keys.at(-1) !== "file") return error(400, "the `file` part must be the last part of the form");
      const fields: Record<string, unknown> = {};
      for (const [key, value] of form) if (key !== "file") fields[key] = value;
      const problems = schemaErrors(c.router.spec, `#/components/schemas/${schema}`, {
        ...fields,
        file: file.name,
      });
      if (problems.length)
        return error(400, problems.map((p) => `${p.instancePath || "form"} ${p.message}`).join("; "));
      const bytes = new Uint8Array(await file.arrayBuffer());
      const digest = createHash("sha256").update(bytes).digest("hex");
      uploads.push({ operationId: ctx.operationId, filename: file.name, size: bytes.length, sha256: digest });
      // The same content uploaded again counts as the same link: a duplicate without allow_dups.
      const body = { ...fields, [link]: `upload://${digest.slice(0, 16)}/${file.name}`, source: "LOCAL" };
      return json[jsonId]!({ ...ctx, body });
    };
  return Object.fromEntries(Object.entries(KINDS).map(([id, kind]) => [id, handler(kind)]));
}
