/** One upload chunk, from multipart form to the upload engine, and what completing each kind of upload creates. */
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { send, type HandlerResult, type RequestContext } from "../spec-router.js";
import type { FlowContext } from "./context.js";
import { bad, fields, nowSeconds } from "./replies.js";
import type { Principal, Sample, User } from "./store.js";
import { uploadForms } from "./upload-forms.js";
import {
  parseMultipart,
  type ChunkHooks,
  type ChunkInput,
  type UploadEndpoint,
  type UploadState,
} from "./uploads.js";

/** The handler body shared by the four upload endpoints. */
export function uploadChunker(c: FlowContext) {
  const { store, uploads, uploadDir, maxChunkBytes, ownedBy, need, dataBytes, looksBinary } = c;
  const { formObject, validateForm, checkSampleFields, annotationIssues } = uploadForms(c);

  function uploadHooks(endpoint: UploadEndpoint, user: User): ChunkHooks {
    const progress = (u: UploadState) =>
      endpoint === "sample" ? { data_id: u.id, sample_id: null } : { id: u.id };
    return {
      progress,
      create(input: ChunkInput) {
        const id = store.nextId("data");
        const name = input.filename.toLowerCase();
        const guessed = /\.f(ast)?q(\.gz)?$/.test(name) ? "fastq" : "generic";
        const dataType =
          endpoint === "annotation"
            ? "annotation"
            : endpoint === "data"
              ? String(input.fields.data_type ?? guessed)
              : guessed;
        const now = nowSeconds();
        store.data.set(id, {
          id,
          filename: input.filename,
          size: 0,
          created: now,
          category: { data: 1, annotation: 2, multiplexed: 3, sample: 4 }[endpoint],
          dataType,
          filesetId: null,
          sampleId: null,
          executionId: null,
          processName: null,
          isDirectory: false,
          isBinary: false,
          ready: false,
          content: { kind: "disk", path: join(uploadDir, `upload-${id}`) },
          pairedId: null,
          lastModified: new Date(now * 1000),
          ...ownedBy(user),
        });
        return id;
      },
      discard(u: UploadState) {
        store.data.delete(u.id);
        void unlink(u.path).catch(() => undefined);
      },
      async complete(u: UploadState) {
        const record = store.data.get(u.id)!;
        record.size = u.received;
        record.isBinary = await looksBinary(u.path, u.filename);
        record.lastModified = new Date();
        const f = u.fields;
        if (endpoint === "data") {
          record.isDirectory = f.is_directory === true;
          record.ready = true;
          return { id: u.id };
        }
        if (endpoint === "annotation") {
          if (/\.(csv|tsv|txt)$/i.test(u.filename)) {
            const text = (await dataBytes(record, 0, Math.min(u.received, 5 * 1024 * 1024))).toString("utf8");
            const refusal = annotationIssues(text, f.ignore_warnings === true);
            if (refusal) return refusal;
          }
          record.ready = true;
          return { id: u.id };
        }
        if (endpoint === "multiplexed") {
          record.ready = true;
          const first = f.reads1 !== undefined ? store.data.get(String(f.reads1)) : undefined;
          if (first) {
            first.pairedId = record.id;
            record.pairedId = first.id;
          }
          return { id: u.id };
        }
        // /upload/sample: the sample is created with its last file.
        record.ready = true;
        if (f.is_last_sample === false) return { data_id: u.id, sample_id: null };
        const previous = ((f.previous_data as string[] | undefined) ?? []).map(String);
        const now = nowSeconds();
        const metadata: Sample["metadata"] = {};
        for (const attribute of store.attributes.values()) {
          const value = f[attribute.identifier];
          if (value !== undefined && value !== "")
            metadata[attribute.identifier] = { value: String(value), annotation: null };
        }
        const project = f.project !== undefined ? store.projects.get(String(f.project)) : undefined;
        const sample: Sample = {
          id: store.nextId("sample"),
          name: String(f.sample_name),
          created: now,
          projectId: project?.id ?? null,
          organism: f.organism ? String(f.organism) : null,
          sampleType: String(f.sample_type),
          metadata,
          pubmed: "",
          source: null,
          purificationTarget: null,
          ...ownedBy(user),
        };
        store.samples.set(sample.id, sample);
        const dataIds = [...previous, u.id];
        const fileset = {
          id: store.nextId("fileset"),
          name: `${sample.name} reads`,
          created: now,
          sampleId: sample.id,
          organism: sample.organism,
          dataIds,
        };
        store.filesets.set(fileset.id, fileset);
        for (const id of dataIds) {
          const d = store.data.get(id);
          if (d) d.filesetId = fileset.id;
        }
        if (dataIds.length === 2) {
          store.data.get(dataIds[0]!)!.pairedId = dataIds[1]!;
          store.data.get(dataIds[1]!)!.pairedId = dataIds[0]!;
        }
        return { data_id: u.id, sample_id: sample.id };
      },
    };
  }

  async function uploadChunk(
    endpoint: UploadEndpoint,
    schemaName: string,
    ctx: RequestContext,
  ): Promise<HandlerResult> {
    const p = ctx.principal as Principal;
    const scope = need(p, "write");
    if (scope) return scope;
    if (!Buffer.isBuffer(ctx.body)) return bad("Send the chunk as multipart/form-data");
    const form = parseMultipart(ctx.body, String(ctx.headers["content-type"] ?? ""));
    if (!form) return bad("Malformed multipart/form-data body");
    const blob = form.files.get("blob");
    if (blob && blob.data.length > maxChunkBytes)
      return fields("blob", `Chunks may not exceed ${maxChunkBytes} bytes`);
    const filename = form.fields.get("filename")?.at(-1);
    if (filename !== undefined && filename.includes(" ")) return fields("filename", "Spaces in filename");
    const object = formObject(form, schemaName);
    const invalid = validateForm(object, schemaName);
    if (invalid) return invalid;
    if (
      endpoint === "data" &&
      object.data_type !== undefined &&
      !store.dataTypes.has(String(object.data_type))
    )
      return fields(
        "data_type",
        `Select a valid choice. ${String(object.data_type)} is not one of the available choices.`,
      );
    if (endpoint === "sample") {
      const refusal = checkSampleFields(object, p.user);
      if (refusal) return refusal;
    }
    if (endpoint === "multiplexed" && object.reads1 !== undefined) {
      const first = uploads.byId.get(String(object.reads1));
      if (!first || first.endpoint !== "multiplexed" || first.ownerId !== p.user.id || !first.complete)
        return fields("reads1", `No completed multiplexed upload ${String(object.reads1)} of yours`);
    }
    const result = await uploads.chunk(
      {
        endpoint,
        userId: p.user.id,
        filename: String(object.filename),
        offset: object.expected_file_size as number,
        isLast: object.is_last as boolean,
        uploadId: object.data === undefined ? undefined : String(object.data),
        blob: blob?.data ?? Buffer.alloc(0),
        fields: object,
      },
      uploadHooks(endpoint, p.user),
    );
    if (result === "reset") {
      ctx.req.socket.destroy();
      return { stream: true };
    }
    if ("status" in result && result.status >= 500) {
      // An injected proxy failure: not the API's answer, so not checked against the spec.
      send(ctx.res, result.status, result.body);
      return { stream: true };
    }
    return result;
  }

  return uploadChunk;
}
