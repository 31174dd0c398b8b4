/**
 * The one place that turns an operation id into its metadata (refusing ids of the wrong kind with
 * the list of usable ones) and an operation plus input into its URL. `paginate`, `head`,
 * `waitFor`, `download` and `upload` all start here.
 */
import { createFinalURL, defaultPathSerializer } from "openapi-fetch";
import { internalsOf } from "./base.js";
import { ValidationError } from "./errors.js";
import type {
  DownloadMeta,
  OperationMeta,
  PaginationMeta,
  RawInput,
  UploadMeta,
  WaiterMeta,
} from "./operation.js";
import { querySerializerOrDefault } from "./query.js";

/** What a helper accepts, and how to say so when given something else. */
export interface OperationKind<M extends OperationMeta = OperationMeta> {
  /** Whether the helper works with this operation. */
  accepts(meta: OperationMeta): meta is M;
  /** The refusal, such as `listX is not a paginated operation`. */
  refusal(operationId: string): string;
  /** What the usable operations are called in the refusal, such as `Paginated ones`. */
  usable: string;
}

/** An operation resolved for a helper: its metadata, the client's internals and portal name. */
export interface ResolvedOperation<M extends OperationMeta = OperationMeta> {
  meta: M;
  state: ReturnType<typeof internalsOf>;
  portal: string;
}

/**
 * Looks up `operationId` on `client` and checks that `kind` accepts it; otherwise throws a
 * {@link ValidationError} (`invalid_argument`) that lists the operations it does accept.
 */
export function resolveOperation<M extends OperationMeta>(
  client: object,
  operationId: string,
  kind: OperationKind<M>,
): ResolvedOperation<M> {
  const state = internalsOf(client);
  const { definition } = state;
  const portal = definition.title;
  const meta = Object.hasOwn(definition.operations, operationId)
    ? definition.operations[operationId]
    : undefined;
  if (!meta || !kind.accepts(meta)) {
    const usable = Object.values(definition.operations)
      .filter((m) => kind.accepts(m))
      .map((m) => m.id);
    throw new ValidationError(
      `${portal}: ${kind.refusal(operationId)}. ${kind.usable}: ${usable.join(", ") || "none"}.`,
      { portal, operationId, code: "invalid_argument" },
    );
  }
  return { meta, state, portal };
}

/** The absolute URL of `meta` on the client's base URL, with the input's path and query parameters. */
export function operationUrl(client: object, meta: OperationMeta, input: RawInput = {}): string {
  return createFinalURL(meta.path, {
    baseUrl: internalsOf(client).baseUrl,
    params: { path: input.path ?? {}, query: input.query ?? {} },
    querySerializer: querySerializerOrDefault(meta),
    pathSerializer: defaultPathSerializer,
  });
}

/** Operations `paginate()` walks: those with `x-sciportals-pagination`. */
export const PAGINATED: OperationKind<OperationMeta & { pagination: PaginationMeta }> = {
  accepts: (meta): meta is OperationMeta & { pagination: PaginationMeta } => meta.pagination !== undefined,
  refusal: (operationId) => `${operationId} is not a paginated operation`,
  usable: "Paginated ones",
};

/** Operations `download()` fetches: those with an `x-sciportals-transfer` download. */
export const DOWNLOADABLE: OperationKind<OperationMeta & { transfer: DownloadMeta }> = {
  accepts: (meta): meta is OperationMeta & { transfer: DownloadMeta } =>
    meta.transfer?.direction === "download",
  refusal: (operationId) => `${operationId} is not a download operation`,
  usable: "Downloads",
};

/** Operations `upload()` sends to: those with an `x-sciportals-transfer` upload. */
export const UPLOADABLE: OperationKind<OperationMeta & { transfer: UploadMeta }> = {
  accepts: (meta): meta is OperationMeta & { transfer: UploadMeta } => meta.transfer?.direction === "upload",
  refusal: (operationId) => `${operationId} is not an upload operation`,
  usable: "Uploads",
};

/** Operations `head()` asks about: HEAD operations and downloads. */
export const HEADABLE: OperationKind = {
  accepts: (meta): meta is OperationMeta => meta.method === "HEAD" || meta.transfer?.direction === "download",
  refusal: (operationId) => `head() needs a HEAD or download operation, not ${operationId}`,
  usable: "Usable",
};

/** Operations `waitFor()` polls: those with `x-sciportals-waiter`. */
export const WAITABLE: OperationKind<OperationMeta & { waiter: WaiterMeta }> = {
  accepts: (meta): meta is OperationMeta & { waiter: WaiterMeta } => meta.waiter !== undefined,
  refusal: (operationId) => `${operationId} cannot be waited on`,
  usable: "Operations with a waiter",
};
