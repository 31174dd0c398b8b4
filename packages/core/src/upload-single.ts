import { credentialsFor, internalsOf } from "./base.js";
import { errorFromResponse, PortalError, ValidationError } from "./errors.js";
import type { OperationMeta, RawInput, SingleUploadMeta } from "./operation.js";
import { operationUrl } from "./resolve-operation.js";
import { parseRetryAfter } from "./retry.js";
import { validateInput } from "./validate.js";
import { hasNodeBuiltins, nodeBuiltins } from "./builtins.js";
import type { StreamedBody } from "./node/stream-send.js";
import {
  UploadError,
  uploadFilename,
  type UploadOptions,
  type UploadResult,
  type UploadSource,
} from "./upload.js";

const encoder = new TextEncoder();

/** A form field's name or file name, quoted as browsers do it in multipart headers. */
const quoted = (value: string) => value.replace(/\r\n|\r|\n/g, "%0D%0A").replace(/"/g, "%22");

/** The file behind an upload source: its size and a way to read it again for every attempt. */
interface SingleSource {
  size: number;
  read(): AsyncIterable<Uint8Array>;
  blob(): Promise<Blob>;
}

async function* blobChunks(blob: Blob): AsyncIterable<Uint8Array> {
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

async function openSingle(source: UploadSource): Promise<SingleSource> {
  if (typeof source === "string") {
    const { fs, fsp } = nodeBuiltins("upload() from a file path");
    const size = await fsp.stat(source).then(
      (s) => s.size,
      (error: Error) => {
        throw new ValidationError(`cannot upload ${source}: ${error.message}`, {
          code: "invalid_source",
          cause: error,
        });
      },
    );
    return {
      size,
      read: () => fs.createReadStream(source, { highWaterMark: 1 << 16 }) as AsyncIterable<Uint8Array>,
      blob: async () => new Blob([(await fsp.readFile(source)) as Uint8Array<ArrayBuffer>]),
    };
  }
  let blob: Blob;
  if (source instanceof Blob) blob = source;
  else if (source instanceof Uint8Array) blob = new Blob([source as Uint8Array<ArrayBuffer>]);
  else if (
    source &&
    (typeof (source as ReadableStream).getReader === "function" || Symbol.asyncIterator in source)
  ) {
    // One request needs its length up front: a stream of unknown size is read into memory first.
    const parts: Uint8Array[] = [];
    const iterable =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<Uint8Array>)
        : blobChunks(await new Response(source as ReadableStream<Uint8Array>).blob());
    for await (const part of iterable) parts.push(part);
    blob = new Blob(parts as Uint8Array<ArrayBuffer>[]);
  } else
    throw new ValidationError("upload() takes a file path, a Blob, bytes or a stream", {
      code: "invalid_source",
    });
  return { size: blob.size, read: () => blobChunks(blob), blob: async () => blob };
}

/**
 * Uploads a file in one multipart/form-data request (`x-sciportals-transfer: { mode: single }`):
 * the other body fields first, the file last, streamed from its source with progress as bytes are
 * sent. The transport's rules decide retries: only when the operation is idempotent or the request
 * never reached the server, so a POST that may have started a job is not sent twice.
 */
export async function uploadSingle(
  client: object,
  meta: OperationMeta,
  transfer: SingleUploadMeta,
  input: RawInput,
  source: UploadSource,
  options: UploadOptions,
): Promise<UploadResult> {
  const state = internalsOf(client);
  const portal = state.definition.title;
  const operationId = meta.id;
  const filename = uploadFilename(portal, operationId, source, options);
  const extra = (input.body ?? {}) as Record<string, unknown>;
  validateInput(portal, meta, { ...input, body: { ...extra, [transfer.field]: filename } });
  const file = await openSingle(source);

  const boundary = `----sciportals${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  let head = "";
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined || value === null || key === transfer.field) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      const text = typeof v === "object" ? JSON.stringify(v) : String(v);
      head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(key)}"\r\n\r\n${text.replace(/\r?\n/g, "\r\n")}\r\n`;
    }
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(transfer.field)}"; filename="${quoted(filename)}"\r\n`;
  head += "Content-Type: application/octet-stream\r\n\r\n";
  const headBytes = encoder.encode(head);
  const tailBytes = encoder.encode(`\r\n--${boundary}--\r\n`);
  const body: StreamedBody = {
    length: headBytes.length + file.size + tailBytes.length,
    async *parts() {
      yield headBytes;
      yield* file.read();
      yield tailBytes;
    },
  };

  const url = operationUrl(client, meta, input);
  const headers = { ...input.headers, "content-type": `multipart/form-data; boundary=${boundary}` };
  let sent = 0; // file bytes the socket took in the latest attempt
  const progress = (written: number) => {
    const bytes = Math.max(0, Math.min(file.size, written - headBytes.length));
    if (bytes === sent) return;
    sent = bytes;
    options.onProgress?.({ bytes, total: file.size });
  };
  const node = hasNodeBuiltins();
  const fail = (error: unknown): never => {
    const cause = error instanceof PortalError ? error : undefined;
    throw new UploadError(
      `${portal}: the upload of ${filename} failed after ${sent} of ${file.size} bytes were sent: ${(error as Error).message.replace(/\.$/, "")}. A single-request upload cannot resume; call upload() again to start over.`,
      {
        portal,
        operationId,
        code: cause?.code ?? "upload_failed",
        status: cause?.status,
        requestId: cause?.requestId,
        details: cause?.details,
        cause: error,
        checkpoint: { uploadId: undefined, offset: 0, filename, size: file.size },
      },
    );
  };
  let response: Response;
  try {
    const request = node
      ? new Request(url, { method: meta.method, headers })
      : new Request(url, {
          method: meta.method,
          headers,
          body: new Blob([headBytes, await file.blob(), tailBytes] as BlobPart[]),
        });
    response = await state.transport.send(request, {
      operationId,
      credentials: credentialsFor(client, meta),
      idempotent: meta.idempotent,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      // node/ is loaded on use, so that this module bundles for browsers.
      fetch: node
        ? (await import("./node/stream-send.js")).nodeStreamSender(body, progress, state.proxy)
        : undefined,
    });
  } catch (error) {
    return fail(error);
  }
  if (!node) progress(headBytes.length + file.size);
  const text = await response.text();
  let data: unknown = text;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text for the error message
  }
  if (!response.ok)
    fail(
      errorFromResponse(response, data, {
        portal,
        operationId,
        method: meta.method,
        url,
        retryAfterMs: parseRetryAfter(response.headers),
      }),
    );
  return { uploadId: undefined, bytes: file.size, chunks: 1, response: data };
}
