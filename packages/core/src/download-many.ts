import { download } from "./download.js";
import { AbortError, PortalError, ValidationError } from "./errors.js";
import { head } from "./head.js";
import { internalsOf } from "./base.js";
import type { DownloadOptions, DownloadProgress, DownloadResult } from "./node/file-download.js";
import type { RawInput } from "./operation.js";

/** One file of a batch: a download operation with its input, or a URL (fetched with no credentials). */
export type BatchItem =
  | {
      operationId: string;
      input?: RawInput | undefined;
      destination: string;
      /** This file's options, over the batch's `each`. */
      options?: DownloadOptions | undefined;
    }
  | { url: string; destination: string; options?: DownloadOptions | undefined };

/**
 * What to do with a destination that already exists:
 * - `skip`: keep it when it is the file a previous batch completed (recorded in the directory's
 *   `.sciportals-downloads.json` with the same source, size and mtime) and it still matches: the
 *   checksum given for it, else the server's ETag (or size, when the server sends no ETag) from a
 *   HEAD request. Otherwise download it again.
 * - `overwrite`: download it again from zero (a `.part` is discarded).
 * - `resume`: download it again, continuing a `.part` left by an earlier run.
 * - `error`: fail that file with `destination_exists`.
 *
 * Whatever the policy, a missing destination whose `.part` survives an earlier run is resumed
 * (except with `overwrite`).
 */
export type ExistingPolicy = "skip" | "overwrite" | "resume" | "error";

/** Progress of the whole batch. */
export interface BatchProgress {
  /** Bytes on disk across the batch's files so far. */
  bytes: number;
  /** The sum of the files' sizes, once every file's size is known. */
  total: number | undefined;
  /** Bytes received over the network by this call. */
  transferred: number;
  /** Files in the batch, and how many are finished, skipped or failed. */
  files: number;
  done: number;
  skipped: number;
  failed: number;
}

/** An event about one file of a batch; `index` is its place in the list. */
export type BatchFileEvent =
  | { type: "start"; index: number; destination: string }
  | { type: "progress"; index: number; destination: string; progress: DownloadProgress }
  | { type: "done"; index: number; destination: string; result: DownloadResult }
  | { type: "skipped"; index: number; destination: string; reason: string }
  | { type: "failed"; index: number; destination: string; error: PortalError };

/** Options for {@link downloadMany}. */
export interface DownloadManyOptions {
  /** Files downloaded at once. Default 4. */
  concurrency?: number | undefined;
  /** What to do with a destination that exists; see {@link ExistingPolicy}. Default `skip`. */
  existing?: ExistingPolicy | undefined;
  /** Stop the batch at the first failure (files in flight are aborted). Default false. */
  failFast?: boolean | undefined;
  /** Aborts the whole batch; each file keeps a resumable `.part`. */
  signal?: AbortSignal | undefined;
  /** Progress of the whole batch, as bytes arrive (each file reports at most every 100 ms). */
  onProgress?: ((progress: BatchProgress) => void) | undefined;
  /** Each file's start, progress, end, skip or failure. */
  onFile?: ((event: BatchFileEvent) => void) | undefined;
  /** Download options for every file (retries, timeouts, `createDirectories`…); an item's own win. */
  each?: DownloadOptions | undefined;
}

/** How one file of a batch ended. */
export interface BatchFileResult {
  /** The item's place in the list given. */
  index: number;
  /** The item's destination path. */
  destination: string;
  /** Downloaded by this call, kept as it was (`existing: "skip"`), or failed. */
  status: "downloaded" | "skipped" | "failed";
  /** For a downloaded file. */
  result?: DownloadResult | undefined;
  /** For a failed file: always a `PortalError`. */
  error?: PortalError | undefined;
}

/** What a batch did: one entry per item, in the order given, and the counts. */
export interface DownloadManyResult {
  /** One result per item, in the order given. */
  files: BatchFileResult[];
  /** How many files were downloaded, skipped and failed. */
  downloaded: number;
  skipped: number;
  failed: number;
}

/**
 * Downloads many files, a few at a time: each file streamed, verified and resumable as with
 * `download()`, one failure recorded without stopping the others (unless `failFast`), and files a
 * previous run completed skipped, so that a rerun fetches only what is missing. Resolves when every
 * file is done, skipped or failed; it rejects only for bad arguments. Generated clients expose it
 * as `client.downloadMany(items, options)`.
 */
export async function downloadMany(
  client: object,
  items: readonly BatchItem[],
  options: DownloadManyOptions = {},
  scrub: (error: PortalError) => PortalError = (error) => error,
): Promise<DownloadManyResult> {
  const concurrency = options.concurrency ?? 4;
  const existing = options.existing ?? "skip";
  if (!Array.isArray(items) || !Number.isInteger(concurrency) || concurrency < 1) {
    throw new ValidationError("downloadMany takes a list of items and a concurrency of 1 or more", {
      code: "invalid_argument",
    });
  }
  const manifest = await import("./node/batch-manifest.js");
  const { downloadToFile } = await import("./node/file-download.js");
  const batch = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, batch.signal]) : batch.signal;
  const files: BatchFileResult[] = [];
  const perFile = items.map(() => ({ bytes: 0, total: undefined as number | undefined, transferred: 0 }));
  const counts = { done: 0, skipped: 0, failed: 0 };
  const report = () => {
    if (!options.onProgress) return;
    const totals = perFile.map((f) => f.total);
    options.onProgress({
      bytes: perFile.reduce((n, f) => n + f.bytes, 0),
      total: totals.every((t) => t !== undefined) ? totals.reduce((n, t) => n + t!, 0) : undefined,
      transferred: perFile.reduce((n, f) => n + f.transferred, 0),
      files: items.length,
      ...counts,
    });
  };

  const one = async (item: BatchItem, index: number): Promise<BatchFileResult> => {
    const { destination } = item;
    const source =
      "url" in item
        ? item.url.replace(/[?#].*$/, "")
        : `${item.operationId}:${JSON.stringify(item.input?.path ?? {})}:${JSON.stringify(item.input?.query ?? {})}`;
    const fileOptions: DownloadOptions = { ...options.each, ...item.options };
    if (signal.aborted) throw abortedBatch(signal);
    // A record or a file that cannot be read only means fetching the file again.
    const skip =
      existing === "skip" &&
      (await stillCurrent(client, item, source, fileOptions, manifest).catch(() => undefined));
    if (skip) {
      const size = skip.size;
      perFile[index] = { bytes: size, total: size, transferred: 0 };
      options.onFile?.({ type: "skipped", index, destination, reason: skip.reason });
      return { index, destination, status: "skipped" };
    }
    options.onFile?.({ type: "start", index, destination });
    const merged: DownloadOptions = {
      ...fileOptions,
      // A batch item given as a URL skips download(), which applies the client's proxy.
      proxy: fileOptions.proxy ?? internalsOf(client).proxy,
      overwrite: existing !== "error",
      resume: existing === "overwrite" ? false : fileOptions.resume,
      signal,
      onProgress: (progress) => {
        perFile[index] = progress;
        fileOptions.onProgress?.(progress);
        options.onFile?.({ type: "progress", index, destination, progress });
        report();
      },
    };
    const result =
      "url" in item
        ? await downloadToFile(item.url, destination, merged)
        : await download(client, item.operationId, item.input ?? {}, destination, merged);
    // The file is in place; a record that cannot be written only costs a refetch on a rerun.
    await manifest.recordFile(destination, source, result.etag).catch(() => {});
    options.onFile?.({ type: "done", index, destination, result });
    return { index, destination, status: "downloaded", result };
  };

  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index]!;
      let outcome: BatchFileResult;
      try {
        outcome = await one(item, index);
      } catch (caught) {
        const error = scrub(asPortalError(caught, item.destination));
        outcome = { index, destination: item.destination, status: "failed", error };
        options.onFile?.({ type: "failed", index, destination: item.destination, error });
        // Not the error itself: each aborted file reports its own AbortError, caused by this one.
        if (options.failFast && !batch.signal.aborted) batch.abort(new BatchStopped(error));
      }
      files[index] = outcome;
      if (outcome.status === "downloaded") counts.done++;
      else if (outcome.status === "skipped") counts.skipped++;
      else counts.failed++;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return { files, downloaded: counts.done, skipped: counts.skipped, failed: counts.failed };
}

/** Why an existing destination may be kept, or undefined when it must be fetched again. */
async function stillCurrent(
  client: object,
  item: BatchItem,
  source: string,
  options: DownloadOptions,
  manifest: typeof import("./node/batch-manifest.js"),
): Promise<{ reason: string; size: number } | undefined> {
  const entry = await manifest.recordedFile(item.destination, source);
  if (!entry) return undefined;
  if (options.expectedSize !== undefined && options.expectedSize !== entry.size) return undefined;
  if (options.checksum) {
    const digest = await manifest.digestOf(item.destination, options.checksum.algorithm);
    const expected = options.checksum.expected.trim();
    const same = digest.hex === expected.toLowerCase() || digest.base64 === expected;
    return same ? { reason: `${options.checksum.algorithm} matches`, size: entry.size } : undefined;
  }
  // Ask the server whether it still has that file: its ETag, or its size when it sends none.
  const remote = await remoteHead(client, item).catch(() => undefined);
  if (!remote?.exists) return undefined;
  if (entry.etag && remote.etag) {
    return remote.etag === entry.etag ? { reason: "ETag matches", size: entry.size } : undefined;
  }
  return remote.size === entry.size ? { reason: "size matches (no ETag)", size: entry.size } : undefined;
}

async function remoteHead(
  client: object,
  item: BatchItem,
): Promise<{ exists: boolean; etag: string | undefined; size: number | undefined }> {
  if ("operationId" in item) return head(client, item.operationId, item.input ?? {});
  const response = await fetch(item.url, { method: "HEAD" });
  const length = response.headers.get("content-length");
  return {
    exists: response.ok,
    etag: response.headers.get("etag") ?? undefined,
    size: length === null ? undefined : Number(length),
  };
}

/** Why a `failFast` batch stopped: the first failure. */
class BatchStopped extends Error {
  constructor(override readonly cause: PortalError) {
    super(`another file of the batch failed: ${cause.message}`);
  }
}

function abortedBatch(signal: AbortSignal): PortalError {
  const message = signal.reason instanceof BatchStopped ? signal.reason.message : "the batch was aborted";
  return new AbortError(message, { code: "aborted", cause: signal.reason });
}

function asPortalError(error: unknown, destination: string): PortalError {
  if (error instanceof PortalError) return error;
  return new PortalError(`${destination}: ${error instanceof Error ? error.message : String(error)}`, {
    code: "unexpected_error",
    cause: error,
  });
}
