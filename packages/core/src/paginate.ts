import { callOperation } from "./base.js";
import { PaginationLoopError, UnexpectedResponseError, ValidationError } from "./errors.js";
import type { OperationMeta, PaginationMeta, RawInput } from "./operation.js";
import { getPath } from "./path.js";
import { resolveOperation, PAGINATED } from "./resolve-operation.js";
import { scrubError } from "./secrets.js";

/** One page of a paginated operation. */
export interface Page<TItem, TData = unknown> {
  /** The page's items. */
  items: TItem[];
  /**
   * Pass this to `byPage({ continuationToken })` to resume with the page after this one, even
   * from another process. Undefined on the last page.
   */
  continuationToken: string | undefined;
  /** The total number of items across all pages, when the portal reports it. */
  total: number | undefined;
  /** The page's whole response body. */
  data: TData;
}

/** Settings for walking pages. */
export interface PageSettings {
  /** Items per page; checked against the portal's maximum before sending. */
  pageSize?: number | undefined;
  /** Where to start: a token from a previous page. */
  continuationToken?: string | undefined;
}

/**
 * Every item of a paginated operation, fetched page by page as you iterate (`for await`), with
 * `byPage()` to walk whole pages instead. While you work on one page, the next is on its way.
 */
export interface PagedIterable<TItem, TData = unknown> extends AsyncIterable<TItem> {
  /** Iterates over pages rather than items. */
  byPage(settings?: PageSettings): AsyncIterableIterator<Page<TItem, TData>>;
  /** Collects every item (or the first `limit`) into an array. */
  toArray(options?: { limit?: number }): Promise<TItem[]>;
}

/** Options for `client.paginate()`. */
export interface PaginateOptions {
  /** Fetch the next page while the current one is being consumed. Default true. */
  prefetch?: boolean | undefined;
}

type Position = number | string; // a page number, an offset, or a cursor

/**
 * Walks any paginated operation, driven by its `x-sciportals-pagination` metadata. Generated
 * clients expose it as `client.paginate(operationId, input)`.
 */
export function paginate<TItem, TData>(
  client: object,
  operationId: string,
  input: RawInput = {},
  options: PaginateOptions = {},
): PagedIterable<TItem, TData> {
  const { meta, portal, state } = resolveOperation(client, operationId, PAGINATED);
  const operation = meta;
  const pagination: PaginationMeta = meta.pagination;
  const prefetch = options.prefetch ?? true;
  const positionParam =
    pagination.style === "page"
      ? pagination.page
      : pagination.style === "offset"
        ? pagination.offset
        : pagination.cursor;
  if (!positionParam) throw new TypeError(`${portal}: ${operationId} has incomplete pagination metadata`);

  function parseToken(token: string): Position {
    if (pagination.style === "cursor") return token;
    const value = Number(token);
    const min = pagination.style === "page" ? (pagination.firstPage ?? 1) : 0;
    if (!/^\d+$/.test(token) || value < min) {
      throw new ValidationError(
        `${portal}: ${operationId}: continuation token ${JSON.stringify(token)} is not one this operation issued.`,
        {
          portal,
          operationId,
          code: "invalid_argument",
        },
      );
    }
    return value;
  }

  function fetchPage(
    position: Position | undefined,
    pageSize: number | undefined,
    signal: AbortSignal,
  ): Promise<TData> {
    const query: Record<string, unknown> = { ...input.query };
    if (position !== undefined) query[positionParam!] = position;
    if (pageSize !== undefined && pagination.size) query[pagination.size] = pageSize;
    const userSignal = input.signal;
    const combined = userSignal ? AbortSignal.any([userSignal, signal]) : signal;
    return callOperation(client, operation, { ...input, query, signal: combined });
  }

  function next(
    position: Position | undefined,
    data: TData,
    items: unknown[],
    pageSize: number | undefined,
    seenBefore: number,
  ): Position | undefined {
    if (items.length === 0) return undefined;
    const total = pagination.total === undefined ? undefined : toNumber(getPath(data, pagination.total));
    if (pagination.style === "cursor") {
      if (pagination.exhausted && getPath(data, pagination.exhausted) === true) return undefined;
      const cursor = pagination.nextCursor ? getPath(data, pagination.nextCursor) : undefined;
      if (cursor === undefined || cursor === null || cursor === "") return undefined;
      return String(cursor);
    }
    if (pageSize !== undefined && items.length < pageSize) return undefined;
    if (total !== undefined && seenBefore + items.length >= total) return undefined;
    if (pagination.style === "page")
      return ((position as number | undefined) ?? pagination.firstPage ?? 1) + 1;
    return ((position as number | undefined) ?? 0) + items.length;
  }

  async function* byPage(settings: PageSettings = {}): AsyncIterableIterator<Page<TItem, TData>> {
    let position =
      settings.continuationToken === undefined ? undefined : parseToken(settings.continuationToken);
    const requested =
      settings.pageSize ?? toNumber(pagination.size ? input.query?.[pagination.size] : undefined);
    let pageSize = requested;
    let inflight: { controller: AbortController; promise: Promise<TData> } | undefined;
    // What guarantees the walk ends: cursors already used, and the previous page's items.
    const seenCursors = new Set<string>();
    if (typeof position === "string") seenCursors.add(position);
    let previousItems: string | undefined;
    const start = (at: Position | undefined) => {
      const controller = new AbortController();
      const promise = fetchPage(at, requested, controller.signal);
      promise.catch(() => {}); // observed when awaited; a prefetch abandoned by `break` must not go unhandled
      return { controller, promise };
    };
    try {
      inflight = start(position);
      for (;;) {
        const data = await inflight.promise;
        inflight = undefined;
        const items = getPath(data, pagination.items);
        if (!Array.isArray(items)) {
          throw new UnexpectedResponseError(
            `${portal}: ${operationId} returned a page without an item array at "${pagination.items}"`,
            { portal, operationId, code: "invalid_page" },
          );
        }
        // A server that ignores the page parameter (or a cursor) sends the same page again.
        const fingerprint = items.length > 0 ? JSON.stringify(items) : undefined;
        if (fingerprint !== undefined && fingerprint === previousItems) {
          throw loop("the same page twice", position === undefined ? undefined : String(position));
        }
        previousItems = fingerprint;
        // Without an explicit size, a full first page tells us the server's default.
        pageSize ??= items.length;
        const seenBefore =
          pagination.style === "offset"
            ? ((position as number | undefined) ?? 0)
            : pagination.style === "page"
              ? (((position as number | undefined) ?? pagination.firstPage ?? 1) -
                  (pagination.firstPage ?? 1)) *
                pageSize
              : 0;
        let following = next(position, data, items, pageSize, seenBefore);
        // A cursor seen before would walk the same pages again: hand over this page, then stop.
        let repeated: PaginationLoopError | undefined;
        if (typeof following === "string") {
          if (seenCursors.has(following)) {
            repeated = loop("a cursor it had already returned", following);
            following = undefined;
          } else seenCursors.add(following);
        }
        if (following !== undefined && prefetch) inflight = start(following);
        yield {
          items: items as TItem[],
          continuationToken: following === undefined ? undefined : String(following),
          total: pagination.total === undefined ? undefined : toNumber(getPath(data, pagination.total)),
          data,
        };
        if (repeated) throw repeated;
        if (following === undefined) return;
        inflight ??= start(following);
        position = following;
      }
    } finally {
      inflight?.controller.abort();
    }
  }

  function loop(what: string, repeated: string | undefined): PaginationLoopError {
    // A cursor is the portal's value, and may embed what it echoes: scrubbed like any error.
    return scrubError(
      new PaginationLoopError(
        `${portal}: ${operationId} sent ${what}` +
          (repeated === undefined
            ? ""
            : ` (${JSON.stringify(repeated.length > 200 ? `${repeated.slice(0, 200)}…` : repeated)})`) +
          "; stopping rather than looping. The portal may ignore the paging parameter.",
        { portal, operationId, code: "pagination_loop", details: { repeated } },
      ),
      state.secrets,
    );
  }

  return {
    byPage,
    async *[Symbol.asyncIterator]() {
      for await (const page of byPage()) yield* page.items;
    },
    async toArray({ limit = Infinity } = {}) {
      const all: TItem[] = [];
      if (limit <= 0) return all;
      for await (const page of byPage()) {
        for (const item of page.items) {
          all.push(item);
          if (all.length >= limit) return all;
        }
      }
      return all;
    },
  };
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}
