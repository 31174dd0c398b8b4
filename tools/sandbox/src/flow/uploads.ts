/**
 * Flow's chunked upload protocol. Every chunk is a multipart POST carrying its byte offset
 * (`expected_file_size`); the first chunk has no `data` and gets the new data file's id, which
 * later chunks send back as `data`. Chunks are appended to a file on disk (never the whole file in
 * memory). A chunk whose offset was already received is acknowledged without appending (it is a
 * resend); a chunk past the bytes received so far (a gap) is refused with 400.
 */
import { createHash, type Hash } from "node:crypto";
import { appendFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { HandlerResult } from "../spec-router.js";

// ---------------------------------------------------------------- multipart

export interface MultipartFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface Multipart {
  fields: Map<string, string[]>;
  files: Map<string, MultipartFile>;
}

const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

/** Parses a multipart/form-data body; undefined when it is not well-formed. Parts are views, not copies. */
export function parseMultipart(body: Buffer, contentType: string): Multipart | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  const result: Multipart = { fields: new Map(), files: new Map() };
  let pos = body.indexOf(delimiter);
  if (pos < 0) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return result; // "--": the end
    if (!body.subarray(pos, pos + 2).equals(CRLF)) return undefined;
    pos += 2;
    const headerEnd = body.indexOf(HEADER_END, pos);
    if (headerEnd < 0) return undefined;
    const headers = body.subarray(pos, headerEnd).toString("utf8").split("\r\n");
    const contentStart = headerEnd + 4;
    const end = body.indexOf(next, contentStart);
    if (end < 0) return undefined;
    let name: string | undefined;
    let filename: string | undefined;
    let partType = "text/plain";
    for (const header of headers) {
      const colon = header.indexOf(":");
      const key = header.slice(0, colon).trim().toLowerCase();
      const value = header.slice(colon + 1).trim();
      if (key === "content-disposition") {
        name =
          /(?:^|;)\s*name="((?:[^"\\]|\\.)*)"/i.exec(value)?.[1] ??
          /(?:^|;)\s*name=([^;]+)/i.exec(value)?.[1];
        filename = /(?:^|;)\s*filename="((?:[^"\\]|\\.)*)"/i.exec(value)?.[1];
      } else if (key === "content-type") partType = value;
    }
    if (name !== undefined) {
      const data = body.subarray(contentStart, end);
      if (filename !== undefined) result.files.set(name, { filename, contentType: partType, data });
      else {
        const list = result.fields.get(name) ?? [];
        list.push(data.toString("utf8"));
        result.fields.set(name, list);
      }
    }
    pos = end + 2;
  }
}

// ---------------------------------------------------------------- upload state

export type UploadEndpoint = "data" | "sample" | "multiplexed" | "annotation";

export interface UploadState {
  /** The data file's id: the upload id the client threads through `data`. */
  id: string;
  endpoint: UploadEndpoint;
  ownerId: string;
  filename: string;
  /** The file being assembled on disk. */
  path: string;
  /** Bytes received (and appended) so far. */
  received: number;
  /** The offset of every acknowledged chunk, in arrival order, resends included. */
  offsets: number[];
  /** Offsets whose bytes were appended (each once). */
  appended: number[];
  /** Chunks acknowledged without appending because their offset was already received. */
  duplicates: number;
  complete: boolean;
  /** Form fields of the latest chunk (endpoint extras: sample fields, reads1, ignore_warnings...). */
  fields: Record<string, unknown>;
  /** The final response, repeated to a resent last chunk. */
  response?: Record<string, unknown>;
  hash: Hash;
  digest?: string;
  lock: Promise<unknown>;
}

/** Fails a chosen chunk: by offset, by index (its position in its upload), or any chunk matching the rest. */
export interface ChunkFaultOptions {
  /** Byte offset (`expected_file_size`) of the chunk to fail. */
  offset?: number;
  /** Zero-based position of the chunk in its upload (offset / chunk size for fixed-size chunks). */
  index?: number;
  /** Only chunks of this upload (data id); the first chunk has none yet. */
  uploadId?: string;
  filename?: string;
  endpoint?: UploadEndpoint;
  /** Default 502, as a proxy in front of Flow answers. */
  status?: number;
  body?: unknown;
  /** How many matching chunks fail. Default 1. */
  count?: number;
  /** Store the chunk first, then fail: the acknowledgement is lost, the bytes are not. */
  afterStore?: boolean;
  /** Drop the connection instead of answering. */
  reset?: boolean;
}

interface ChunkFault extends ChunkFaultOptions {
  remaining: number;
}

export interface UploadStats {
  started: number;
  completed: number;
  /** Chunk requests acknowledged (resends included). */
  chunks: number;
  duplicates: number;
  /** Chunk requests refused: gaps, bad fields, faults. */
  refused: number;
  bytesReceived: number;
}

export interface ChunkInput {
  endpoint: UploadEndpoint;
  userId: string;
  filename: string;
  offset: number;
  isLast: boolean;
  uploadId: string | undefined;
  blob: Buffer;
  fields: Record<string, unknown>;
}

export interface ChunkHooks {
  /** Creates the (not yet ready) data record for a new upload; returns its id. */
  create(input: ChunkInput): string;
  /** Called when the last byte has arrived: finish the record, or refuse (the upload is discarded). */
  complete(upload: UploadState): Promise<Record<string, unknown> | HandlerResult>;
  /** The response body for an acknowledged, unfinished chunk. */
  progress(upload: UploadState): Record<string, unknown>;
  /** A refused upload's record is dropped. */
  discard(upload: UploadState): void;
}

const fieldError = (field: string, message: string): HandlerResult => ({
  status: 400,
  body: { [field]: [message] },
});

export class Uploads {
  readonly byId = new Map<string, UploadState>();
  readonly stats: UploadStats = {
    started: 0,
    completed: 0,
    chunks: 0,
    duplicates: 0,
    refused: 0,
    bytesReceived: 0,
  };
  private faults: ChunkFault[] = [];

  constructor(private readonly dir: string) {}

  failChunk(options: ChunkFaultOptions): void {
    this.faults.push({ ...options, remaining: options.count ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  sha256(upload: UploadState): string {
    return upload.digest ?? upload.hash.copy().digest("hex");
  }

  private takeFault(input: ChunkInput, index: number, uploadId: string | undefined): ChunkFault | undefined {
    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.offset === undefined || f.offset === input.offset) &&
        (f.index === undefined || f.index === index) &&
        (f.uploadId === undefined || f.uploadId === uploadId) &&
        (f.filename === undefined || f.filename === input.filename) &&
        (f.endpoint === undefined || f.endpoint === input.endpoint),
    );
    if (fault) fault.remaining--;
    return fault;
  }

  private failWith(fault: ChunkFault): HandlerResult | "reset" {
    this.stats.refused++;
    if (fault.reset) return "reset";
    const status = fault.status ?? 502;
    return { status, body: fault.body ?? { error: `Injected ${status} for this chunk` } };
  }

  /** Handles one chunk. "reset" means: drop the connection. */
  async chunk(input: ChunkInput, hooks: ChunkHooks): Promise<HandlerResult | "reset"> {
    let upload: UploadState | undefined;
    if (input.uploadId !== undefined) {
      upload = this.byId.get(input.uploadId);
      if (!upload || upload.endpoint !== input.endpoint || upload.ownerId !== input.userId) {
        this.stats.refused++;
        return fieldError("data", `No upload ${input.uploadId} in progress for this user`);
      }
    } else if (input.offset !== 0) {
      this.stats.refused++;
      return fieldError(
        "expected_file_size",
        `A new upload starts at byte 0 (got ${input.offset}); send data=<id> to continue an upload`,
      );
    }
    if (!upload) return this.start(input, hooks);
    const current = upload;
    const run = current.lock.then(() => this.continue(current, input, hooks));
    current.lock = run.catch(() => undefined);
    return run;
  }

  private async start(input: ChunkInput, hooks: ChunkHooks): Promise<HandlerResult | "reset"> {
    const fault = this.takeFault(input, 0, undefined);
    if (fault && !fault.afterStore) return this.failWith(fault);
    const id = hooks.create(input);
    const upload: UploadState = {
      id,
      endpoint: input.endpoint,
      ownerId: input.userId,
      filename: input.filename,
      path: join(this.dir, `upload-${id}`),
      received: 0,
      offsets: [],
      appended: [],
      duplicates: 0,
      complete: false,
      fields: input.fields,
      hash: createHash("sha256"),
      lock: Promise.resolve(),
    };
    this.byId.set(id, upload);
    this.stats.started++;
    await writeFile(upload.path, "");
    const result = await this.store(upload, input, hooks);
    if (fault && "status" in result && result.status === 200) return this.failWith(fault);
    return result;
  }

  private async continue(
    upload: UploadState,
    input: ChunkInput,
    hooks: ChunkHooks,
  ): Promise<HandlerResult | "reset"> {
    const end = input.offset + input.blob.length;
    const index =
      input.offset === upload.received ? upload.appended.length : upload.appended.indexOf(input.offset);
    const fault = this.takeFault(input, index, upload.id);
    if (fault && !fault.afterStore) return this.failWith(fault);
    let result: HandlerResult;
    if (input.offset > upload.received) {
      this.stats.refused++;
      result = fieldError(
        "expected_file_size",
        `Expected offset ${upload.received} (the bytes received so far), got ${input.offset}`,
      );
    } else if (upload.complete) {
      if (end <= upload.received) {
        upload.duplicates++;
        upload.offsets.push(input.offset);
        this.stats.duplicates++;
        this.stats.chunks++;
        result = { status: 200, body: upload.response ?? hooks.progress(upload) };
      } else {
        this.stats.refused++;
        result = fieldError("data", `Upload ${upload.id} is already complete`);
      }
    } else {
      upload.fields = input.fields;
      result = await this.store(upload, input, hooks);
    }
    if (fault && "status" in result && result.status === 200) return this.failWith(fault);
    return result;
  }

  /** Appends what is new in the chunk, and finishes the upload on its last byte. */
  private async store(upload: UploadState, input: ChunkInput, hooks: ChunkHooks): Promise<HandlerResult> {
    const end = input.offset + input.blob.length;
    if (input.offset < upload.received && end <= upload.received) {
      // A resend of bytes already here: acknowledge, append nothing.
      upload.duplicates++;
      this.stats.duplicates++;
    } else {
      const fresh = input.blob.subarray(upload.received - input.offset);
      if (fresh.length > 0) {
        await appendFile(upload.path, fresh);
        upload.hash.update(fresh);
      }
      upload.appended.push(input.offset);
      upload.received += fresh.length;
      this.stats.bytesReceived += fresh.length;
    }
    upload.offsets.push(input.offset);
    this.stats.chunks++;
    if (!input.isLast) return { status: 200, body: hooks.progress(upload) };
    if (end !== upload.received) {
      this.stats.refused++;
      return fieldError(
        "expected_file_size",
        `The last chunk must end at the bytes received so far (${upload.received}), not at ${end}`,
      );
    }
    upload.digest = upload.hash.copy().digest("hex");
    const outcome = await hooks.complete(upload);
    if ("status" in outcome && typeof outcome.status === "number") {
      // Refused at the end (an annotation sheet with errors): the upload is dropped.
      this.stats.refused++;
      this.byId.delete(upload.id);
      hooks.discard(upload);
      return outcome as HandlerResult;
    }
    upload.complete = true;
    upload.response = outcome as Record<string, unknown>;
    this.stats.completed++;
    return { status: 200, body: upload.response };
  }
}
