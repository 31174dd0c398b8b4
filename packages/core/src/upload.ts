import { credentialsFor, internalsOf } from "./base.js";
import { errorFromResponse } from "./errors.js";
import type { OperationMeta } from "./operation.js";
import { operationUrl, resolveOperation, UPLOADABLE } from "./resolve-operation.js";
import { AbortError, PortalError, TransferError, ValidationError } from "./errors.js";
import type { RawInput, UploadMeta } from "./operation.js";
import { uploadSingle } from "./upload-single.js";
import { getPath } from "./path.js";
import { parseRetryAfter } from "./retry.js";
import { validateInput } from "./validate.js";
import { hasNodeBuiltins, nodeBuiltins } from "./builtins.js";

/** Where an upload stands: pass it back as `resumeFrom` to continue after a failure or abort. */
export interface UploadCheckpoint {
  /** The portal's id for the upload, from the first acknowledged chunk. */
  uploadId: string | undefined;
  /** Bytes the portal has acknowledged. */
  offset: number;
  filename: string;
  /** The source's size, when known. */
  size: number | undefined;
}

/** What an upload can read from: a file path (Node), a Blob or File, bytes, or a stream. */
export type UploadSource =
  string | Blob | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** Options for `client.upload()`. A single-request upload (`mode: single`) ignores the chunk and resume options. */
export interface UploadOptions {
  /** The file name the portal records; default the path's base name (required for other sources). */
  filename?: string | undefined;
  /** Bytes per chunk; default the spec's. */
  chunkSize?: number | undefined;
  /** Called after every acknowledged chunk. */
  onProgress?: ((progress: { bytes: number; total: number | undefined }) => void) | undefined;
  /** Called after every acknowledged chunk with what `resumeFrom` needs; persist it to resume later. */
  onCheckpoint?: ((checkpoint: UploadCheckpoint) => void) | undefined;
  /** Continue an interrupted upload: acknowledged bytes are not sent again. */
  resumeFrom?: UploadCheckpoint | undefined;
  /** Retries per chunk (a chunk is idempotent by its offset). Default 5. */
  maxRetries?: number | undefined;
  /** Per-chunk time limit in milliseconds; default the client's. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** What a finished upload did. */
export interface UploadResult<Response = unknown> {
  /** The portal's id for the upload (from the first chunk's response). */
  uploadId: string | undefined;
  /** Bytes the portal acknowledged (the whole source). */
  bytes: number;
  /** Requests this call sent (one per chunk; retries not counted). */
  chunks: number;
  /** The last chunk's response body (it names what the upload created), typed from the spec. */
  response: Response;
}

/** An upload stopped: `checkpoint` says how far it got; pass it as `resumeFrom` to continue. */
export class UploadError extends TransferError {
  /** How far the upload got; pass it as `resumeFrom` to continue. */
  readonly checkpoint: UploadCheckpoint;
  constructor(
    message: string,
    init: ConstructorParameters<typeof PortalError>[1] & { checkpoint: UploadCheckpoint },
  ) {
    super(message, init);
    this.checkpoint = init!.checkpoint;
  }
}

/** Reads a source chunk by chunk, starting at an offset. */
interface ChunkReader {
  size: number | undefined;
  /** The next chunk, or undefined at the end. Valid until three more chunks have been read. */
  next(): Promise<Uint8Array | undefined>;
  /** Throws when the source changed since it was opened (files only; other sources cannot tell). */
  verify(): Promise<void>;
  close(): Promise<void>;
}

function blobReader(blob: Blob, chunkSize: number, start: number): ChunkReader {
  let position = start;
  return {
    size: blob.size,
    async next() {
      if (position >= blob.size) return undefined;
      const end = Math.min(blob.size, position + chunkSize);
      const chunk = new Uint8Array(await blob.slice(position, end).arrayBuffer());
      position = end;
      return chunk;
    },
    verify: async () => {},
    close: async () => {},
  };
}

/**
 * A file read straight into three reused buffers (the chunk on the wire, the next one, and the
 * one being read), so an upload's memory is three chunks whatever the file's size.
 */
async function fileReader(path: string, chunkSize: number, start: number): Promise<ChunkReader> {
  const { fsp } = nodeBuiltins("upload() from a file path");
  let file: Awaited<ReturnType<typeof fsp.open>>;
  try {
    file = await fsp.open(path, "r");
  } catch (error) {
    throw new ValidationError(`cannot upload ${path}: ${(error as Error).message}`, {
      code: "invalid_source",
      cause: error,
    });
  }
  const opened = await file.stat();
  const size = opened.size;
  // The path, not the open descriptor: a file replaced by a rename keeps its old inode on the fd.
  const verify = async () => {
    const now = await fsp.stat(path).catch(() => undefined);
    const why = !now
      ? "it was removed"
      : now.ino !== opened.ino || now.dev !== opened.dev
        ? "it was replaced by another file"
        : now.size !== opened.size
          ? `its size went from ${opened.size} to ${now.size} bytes`
          : now.mtimeMs !== opened.mtimeMs
            ? "it was modified"
            : undefined;
    if (why) {
      throw new TransferError(
        `${path} changed while it was being uploaded (${why}); what the portal holds is not this file. Upload it again once it is stable.`,
        { code: "source_changed", details: { path, size: opened.size, mtimeMs: opened.mtimeMs } },
      );
    }
  };
  const buffers = [0, 1, 2].map(() => new Uint8Array(Math.min(chunkSize, Math.max(size, 1))));
  let turn = 0;
  let position = start;
  return {
    size,
    async next() {
      if (position >= size) return undefined;
      await verify();
      const buffer = buffers[turn++ % buffers.length]!;
      const wanted = Math.min(chunkSize, size - position);
      let filled = 0;
      while (filled < wanted) {
        const { bytesRead } = await file.read(buffer, filled, wanted - filled, position + filled);
        if (bytesRead === 0)
          throw new ValidationError(`${path} shrank while it was being uploaded`, { code: "invalid_source" });
        filled += bytesRead;
      }
      position += wanted;
      return buffer.subarray(0, wanted);
    },
    verify,
    close: () => file.close(),
  };
}

function streamReader(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  chunkSize: number,
  start: number,
): ChunkReader {
  const iterator =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
      : (async function* () {
          const reader = (source as ReadableStream<Uint8Array>).getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            yield value;
          }
        })();
  let pending: Uint8Array[] = [];
  let buffered = 0;
  let skip = start; // a stream cannot seek: resuming reads past what was already sent
  let ended = false;
  return {
    size: undefined,
    async next() {
      while (!ended && buffered < chunkSize) {
        const { done, value } = await iterator.next();
        if (done) {
          ended = true;
          break;
        }
        let bytes = value;
        if (skip > 0) {
          const dropped = Math.min(skip, bytes.length);
          skip -= dropped;
          bytes = bytes.subarray(dropped);
        }
        if (bytes.length) {
          pending.push(bytes);
          buffered += bytes.length;
        }
      }
      if (buffered === 0) return undefined;
      const all = pending.length === 1 ? pending[0]! : concat(pending, buffered);
      const chunk = all.subarray(0, Math.min(chunkSize, all.length));
      const rest = all.subarray(chunk.length);
      pending = rest.length ? [rest] : [];
      buffered = rest.length;
      return chunk;
    },
    verify: async () => {},
    close: async () => {},
  };
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function openSource(source: UploadSource, chunkSize: number, start: number): Promise<ChunkReader> {
  if (typeof source === "string") return fileReader(source, chunkSize, start);
  if (source instanceof Blob) return blobReader(source, chunkSize, start);
  if (source instanceof Uint8Array)
    return blobReader(new Blob([source as Uint8Array<ArrayBuffer>]), chunkSize, start);
  if (
    source &&
    (typeof (source as ReadableStream).getReader === "function" || Symbol.asyncIterator in source)
  ) {
    return streamReader(source, chunkSize, start);
  }
  throw new ValidationError("upload() takes a file path, a Blob, bytes or a stream", {
    code: "invalid_source",
  });
}

function baseName(path: string): string {
  return (
    path
      .replace(/[\\/]+$/, "")
      .split(/[\\/]/)
      .pop() ?? path
  );
}

/** The name a file is uploaded under: `options.filename`, else a path's last segment; required otherwise. */
export function uploadFilename(
  portal: string,
  operationId: string,
  source: UploadSource,
  options: Pick<UploadOptions, "filename">,
): string {
  const filename = options.filename ?? (typeof source === "string" ? baseName(source) : undefined);
  if (!filename)
    throw new ValidationError(
      `${portal}: ${operationId}: give { filename } when uploading from a Blob, bytes or a stream`,
      { portal, operationId, code: "invalid_argument" },
    );
  return filename;
}

/**
 * Uploads a file with a portal's chunked protocol (`x-sciportals-transfer: upload`): chunks go in
 * order, each a multipart request with the protocol's fields; a failed chunk is retried with
 * backoff (it is idempotent by its offset), an expiring token is renewed by the transport, the
 * source is read a chunk at a time, and an interrupted upload resumes from the last acknowledged
 * chunk. Generated clients expose it as `client.upload(operationId, input, source, options)`.
 */
export async function upload(
  client: object,
  operationId: string,
  input: RawInput,
  source: UploadSource,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const { meta, portal } = resolveOperation(client, operationId, UPLOADABLE);
  const transfer: UploadMeta = meta.transfer;
  // One multipart request (`mode: single`); everything below is the chunked protocol.
  if ("mode" in transfer) return uploadSingle(client, meta, transfer, input, source, options);
  const fields = transfer.fields;
  const filename = uploadFilename(portal, operationId, source, options);
  const extra = (input.body ?? {}) as Record<string, unknown>;
  // The fields the engine fills are checked with the caller's, before anything is read or sent.
  validateInput(portal, meta, { ...input, body: { ...extra, [fields.filename]: filename } });
  const chunkSize = options.chunkSize ?? transfer.chunkSize ?? 1 << 20;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new ValidationError(`${portal}: chunkSize must be a positive integer (got ${chunkSize})`, {
      portal,
      operationId,
      code: "invalid_argument",
    });
  }
  const resume = options.resumeFrom;
  if (resume && resume.filename !== filename) {
    throw new ValidationError(`${portal}: resumeFrom is for ${resume.filename}, not ${filename}`, {
      portal,
      operationId,
      code: "invalid_argument",
    });
  }
  let offset = resume?.offset ?? 0;
  let uploadId = resume?.uploadId;
  const reader = await openSource(source, chunkSize, offset);
  const size = reader.size;
  if (size !== undefined && offset > size) {
    throw new ValidationError(
      `${portal}: resumeFrom.offset ${offset} is past the end of the ${size}-byte source`,
      { portal, operationId, code: "invalid_argument" },
    );
  }
  const checkpoint = (): UploadCheckpoint => ({ uploadId, offset, filename, size });
  let chunks = 0;
  let response: unknown;

  try {
    let current = await reader.next();
    if (current === undefined && offset === 0) current = new Uint8Array(0); // an empty file is one empty chunk
    // One chunk of lookahead tells whether the current chunk is the last.
    let next = current === undefined ? undefined : await reader.next();
    while (current !== undefined) {
      if (options.signal?.aborted)
        throw new AbortError(`${portal}: the upload was aborted`, { portal, operationId, code: "aborted" });
      const last = next === undefined;
      // Read the chunk after next while this one is on the wire.
      const reading = last ? Promise.resolve(undefined) : reader.next();
      reading.catch(() => {});
      const formFields: [string, string][] = [];
      for (const [key, value] of Object.entries(extra)) {
        if (value === undefined || value === null) continue;
        for (const v of Array.isArray(value) ? value : [value])
          formFields.push([key, typeof v === "object" ? JSON.stringify(v) : String(v)]);
      }
      formFields.push(
        [fields.filename, filename],
        [fields.offset, String(offset)],
        [fields.last, last ? "true" : "false"],
      );
      if (uploadId !== undefined) formFields.push([fields.uploadId, uploadId]);
      // The last chunk completes the upload on the portal: a changed file must not get that far.
      if (last) await reader.verify();
      const length = current.length;
      const data = await sendChunk(client, meta, input, options, formFields, {
        name: fields.chunk,
        filename,
        bytes: current,
      });
      response = data;
      if (uploadId === undefined) {
        for (const field of transfer.uploadIdFrom) {
          const value = getPath(data, field);
          if (value !== undefined && value !== null && value !== "") {
            uploadId = String(value);
            break;
          }
        }
      }
      offset += length;
      chunks++;
      options.onCheckpoint?.(checkpoint());
      options.onProgress?.({ bytes: offset, total: size });
      current = next;
      next = await reading;
    }
    // Changed while the last chunk was on the wire: not a success, even if the portal accepted it.
    await reader.verify();
  } catch (error) {
    const cause = error instanceof PortalError ? error : undefined;
    const done = size === undefined ? `${offset} bytes` : `${offset} of ${size} bytes`;
    await reader.close().catch(() => {});
    throw new UploadError(
      `${portal}: the upload of ${filename} stopped after ${done}: ${(error as Error).message.replace(/\.$/, "")}. Pass { resumeFrom: error.checkpoint } to continue.`,
      {
        portal,
        operationId,
        code: cause?.code ?? "upload_failed",
        status: cause?.status,
        requestId: cause?.requestId,
        details: cause?.details,
        cause: error,
        checkpoint: checkpoint(),
      },
    );
  }
  await reader.close();
  return { uploadId, bytes: offset, chunks, response };
}

const encoder = new TextEncoder();

/** A form field's name or file name, quoted as browsers do it in multipart headers. */
function quoted(value: string): string {
  return value.replace(/\r\n|\r|\n/g, "%0D%0A").replace(/"/g, "%22");
}

/**
 * Sends one chunk as multipart/form-data through the client's transport (credentials, timeout,
 * retries, a refresh on 401). The body is streamed from the framing and the chunk's own buffer,
 * so the bytes are never copied into a Blob or a FormData.
 */
async function sendChunk(
  client: object,
  meta: OperationMeta,
  input: RawInput,
  options: UploadOptions,
  formFields: [string, string][],
  file: { name: string; filename: string; bytes: Uint8Array },
): Promise<unknown> {
  const state = internalsOf(client);
  const boundary = `----sciportals${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  let head = "";
  for (const [name, value] of formFields) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value.replace(/\r?\n/g, "\r\n")}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(file.name)}"; filename="${quoted(file.filename)}"\r\n`;
  head += "Content-Type: application/octet-stream\r\n\r\n";
  const parts = [encoder.encode(head), file.bytes, encoder.encode(`\r\n--${boundary}--\r\n`)];
  const length = parts.reduce((n, p) => n + p.length, 0);
  const url = operationUrl(client, meta, input);
  const headers = { ...input.headers, "content-type": `multipart/form-data; boundary=${boundary}` };
  // In Node the body goes to the socket from these buffers; elsewhere, or when the caller gave
  // the client a `fetch` (to log, to trace, its own agent), it is a stream for that fetch.
  const node = hasNodeBuiltins() && !state.fetch;
  const request = node
    ? new Request(url, { method: meta.method, headers })
    : new Request(url, {
        method: meta.method,
        headers: { ...headers, "content-length": String(length) },
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
  const response = await state.transport.send(request, {
    operationId: meta.id,
    credentials: credentialsFor(client, meta),
    idempotent: meta.idempotent,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    maxRetries: options.maxRetries ?? 5,
    // node/ is loaded on use, so that this module bundles for browsers.
    fetch: node ? (await import("./node/http-send.js")).nodeBodySender(parts, state.proxy) : undefined,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text for the error message
  }
  if (!response.ok) {
    throw errorFromResponse(response, body, {
      portal: state.definition.title,
      operationId: meta.id,
      method: meta.method,
      url,
      retryAfterMs: parseRetryAfter(response.headers),
    });
  }
  return body;
}
