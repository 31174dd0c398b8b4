import {
  createPortalBase,
  callOperation,
  internalsOf,
  type PortalBase,
  type PortalClientOptions,
  type PortalDefinition,
} from "./base.js";
import { download } from "./download.js";
import {
  downloadMany,
  type BatchItem,
  type DownloadManyOptions,
  type DownloadManyResult,
} from "./download-many.js";
import { scrubError } from "./secrets.js";
import type { DownloadOptions, DownloadResult } from "./node/file-download.js";
import type { StreamDownloadOptions, StreamDownloadResult } from "./download-stream.js";
import type { RawInput } from "./operation.js";
import { paginate, type PagedIterable, type PaginateOptions } from "./paginate.js";
import { head, type ResourceHead } from "./head.js";
import { waitFor, type WaitOptions } from "./waiter.js";
import { upload, type UploadOptions, type UploadResult, type UploadSource } from "./upload.js";

type Ids<Ops> = Extract<keyof Ops, string>;

/** The ids of an operation map's paginated operations. */
export type PaginatedIds<Ops> = {
  [K in Ids<Ops>]: Ops[K] extends { item: unknown } ? K : never;
}[Ids<Ops>];

/** The ids of an operation map's download operations. */
export type DownloadIds<Ops> = {
  [K in Ids<Ops>]: Ops[K] extends { download: true } ? K : never;
}[Ids<Ops>];

/** The ids of operations `head()` accepts: HEAD operations and downloads. */
export type HeadIds<Ops> = {
  [K in Ids<Ops>]: Ops[K] extends { head: true } | { download: true } ? K : never;
}[Ids<Ops>];

/** The ids of chunked-upload operations. */
export type UploadIds<Ops> = {
  [K in Ids<Ops>]: Ops[K] extends { uploadInput: unknown } ? K : never;
}[Ids<Ops>];

/** The ids of operations with a waiter. */
export type WaiterIds<Ops> = {
  [K in Ids<Ops>]: Ops[K] extends { waiter: true } ? K : never;
}[Ids<Ops>];

/**
 * One file of a `downloadMany` batch: a download operation of this portal with its input and
 * destination, or a URL (pre-signed or public: fetched without the client's credentials).
 */
export type DownloadItem<Ops> =
  | {
      [K in DownloadIds<Ops>]: {
        operationId: K;
        input: Ops[K] extends { input: infer I } ? I : never;
        destination: string;
        /** This file's options, over the batch's `each`. */
        options?: DownloadOptions;
      };
    }[DownloadIds<Ops>]
  | { url: string; destination: string; options?: DownloadOptions };

type InputOf<Ops, K extends keyof Ops> = Ops[K] extends { input: infer I } ? I : never;
type OutputOf<Ops, K extends keyof Ops> = Ops[K] extends { output: infer O } ? O : never;

/**
 * The full client: {@link PortalBase} plus one method per operation (generated types), and
 * `paginate` and `download` for the operations whose spec marks them so.
 */
export interface PortalClient<Paths extends {}, Ops> extends PortalBase<Paths> {
  /**
   * Every item of a paginated operation, fetched page by page as you iterate; `byPage()` for
   * pages and continuation tokens.
   */
  paginate<K extends PaginatedIds<Ops>>(
    operationId: K,
    input?: Ops[K] extends { input: infer I } ? I : never,
    options?: PaginateOptions,
  ): PagedIterable<
    Ops[K] extends { item: infer T } ? T : never,
    Ops[K] extends { output: infer O } ? O : never
  >;
  /**
   * Downloads the file an operation names to a path (Node): streamed, resumable, verified, and
   * renamed into place only when complete.
   */
  download<K extends DownloadIds<Ops>>(
    operationId: K,
    input: Ops[K] extends { input: infer I } ? I : never,
    destination: string,
    options?: DownloadOptions,
  ): Promise<DownloadResult>;
  /**
   * Downloads the file an operation names into a `WritableStream` (browsers, or any runtime
   * without files): through the client's transport, length checked, the stream aborted on failure.
   * A cut is not resumed; call again.
   */
  download<K extends DownloadIds<Ops>>(
    operationId: K,
    input: Ops[K] extends { input: infer I } ? I : never,
    destination: WritableStream<Uint8Array>,
    options?: StreamDownloadOptions,
  ): Promise<StreamDownloadResult>;
  /**
   * A file's size, ETag and existence from a HEAD request, without downloading it: for checks
   * before a batch. A missing file resolves with `exists: false`.
   */
  head<K extends HeadIds<Ops>>(operationId: K, input: InputOf<Ops, K>): Promise<ResourceHead>;
  /**
   * Uploads a file (a path in Node, a Blob, bytes or a stream) with the portal's chunked protocol:
   * streamed a chunk at a time, failed chunks retried, resumable with `resumeFrom`.
   */
  upload<K extends UploadIds<Ops>>(
    operationId: K,
    input: Ops[K] extends { uploadInput: infer I } ? I : never,
    source: UploadSource,
    options?: UploadOptions,
  ): Promise<UploadResult<OutputOf<Ops, K>>>;
  /**
   * Polls a job-status operation until the job succeeds (resolves with the last result), fails
   * or takes longer than `maxWaitMs` (throws a `WaiterError`), with growing delays.
   */
  waitFor<K extends WaiterIds<Ops>>(
    operationId: K,
    input: InputOf<Ops, K>,
    options?: WaitOptions,
  ): Promise<OutputOf<Ops, K>>;
  /**
   * Downloads many files (Node), `concurrency` (4) at a time, each as `download()` does it
   * (streamed, verified, resumable). Resolves with a result per file once all are done; one
   * failure does not stop the others unless `failFast`. Existing destinations follow `existing`
   * (default `skip`: a file a previous batch completed and the server still has is not fetched
   * again), so rerunning a batch fetches only what is missing. `onProgress` reports the batch,
   * `onFile` each file.
   */
  downloadMany(
    items: readonly DownloadItem<Ops>[],
    options?: DownloadManyOptions,
  ): Promise<DownloadManyResult>;
}

/**
 * Creates the full client for a portal: the lean client plus a method per operation, `paginate`
 * and `download`. Generated `create…Client()` factories call it.
 */
export function createPortalClient<Paths extends {}, Ops>(
  definition: PortalDefinition,
  options: PortalClientOptions = {},
): PortalClient<Paths, Ops> {
  const base = createPortalBase<Paths>(definition, options);
  const methods: Record<string, unknown> = {
    paginate: (operationId: string, input?: RawInput, paging?: PaginateOptions) =>
      paginate(base, operationId, input, paging),
    download: (
      operationId: string,
      input: RawInput,
      destination: string | WritableStream<Uint8Array>,
      transfer?: DownloadOptions & StreamDownloadOptions,
    ) => scrubbed(download(base, operationId, input, destination as string, transfer)),
    head: (operationId: string, input?: RawInput) => head(base, operationId, input),
    upload: (operationId: string, input: RawInput, source: UploadSource, options?: UploadOptions) =>
      scrubbed(upload(base, operationId, input, source, options)),
    downloadMany: (items: readonly BatchItem[], batch?: DownloadManyOptions) =>
      downloadMany(base, items, batch, (error) => scrubError(error, secrets)),
    waitFor: (operationId: string, input?: RawInput, wait?: WaitOptions) =>
      waitFor(base, operationId, input, wait),
  };
  // Transfers fail outside callOperation (on the file's own requests): scrub their errors here.
  const { secrets } = internalsOf(base);
  const scrubbed = <T>(pending: Promise<T>): Promise<T> =>
    pending.catch((error: unknown) => {
      throw scrubError(error, secrets);
    });
  for (const [id, meta] of Object.entries(definition.operations)) {
    methods[id] = (input?: RawInput) => callOperation(base, meta, input);
  }
  return Object.assign(base, methods) as unknown as PortalClient<Paths, Ops>;
}
