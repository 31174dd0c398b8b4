import { callOperation, credentialsFor } from "./base.js";
import { headersForOtherOrigin } from "./cross-origin.js";
import {
  AbortError,
  errorFromResponse,
  PortalError,
  ResponseTruncatedError,
  TransferError,
  UnexpectedResponseError,
  type ErrorContext,
} from "./errors.js";
import type { DownloadProgress } from "./node/file-download.js";
import type { OperationMeta, DownloadMeta, RawInput } from "./operation.js";
import { mayCarryCredentials } from "./origin.js";
import { getPath } from "./path.js";
import { operationUrl, type ResolvedOperation } from "./resolve-operation.js";

/** Options for a download into a `WritableStream` (browsers, or anywhere without a file system). */
export interface StreamDownloadOptions {
  /** Called as bytes arrive (at most every 100 ms) and once at the end. */
  onProgress?: ((progress: DownloadProgress) => void) | undefined;
  /** Aborts the download (and the stream). */
  signal?: AbortSignal | undefined;
  /** The size the file must have, when known in advance. */
  expectedSize?: number | undefined;
  /** Retries of the request before any byte arrived (429, 5xx, network). Default: the client's. */
  maxRetries?: number | undefined;
}

/** What a finished download into a stream did. */
export interface StreamDownloadResult {
  /** Bytes written to the stream. */
  size: number;
  etag: string | undefined;
  contentType: string | undefined;
}

const PROGRESS_INTERVAL_MS = 100;

/**
 * True for a WHATWG `WritableStream`: the destination of a download where there is no file system
 * (a browser). Checked by shape, so that a polyfilled or another realm's stream is accepted too.
 */
export function isWritableStream(value: unknown): value is WritableStream<Uint8Array> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as WritableStream).getWriter === "function" &&
    typeof (value as WritableStream).abort === "function"
  );
}

/**
 * Downloads an operation's file into `destination` through the client's transport (credentials
 * only to the portal's own origin, none to a pre-signed URL; retries with Retry-After and a token
 * refresh before the first byte), checks its length, and closes the stream. On any failure the
 * stream is aborted with the error, so that nothing downstream (a Blob being collected, a file
 * being saved) mistakes part of a file for the whole. A cut is not resumed: there is no `.part` to
 * resume from; call again.
 */
export async function downloadToStream(
  client: object,
  { meta, state, portal }: ResolvedOperation<OperationMeta & { transfer: DownloadMeta }>,
  input: RawInput,
  destination: WritableStream<Uint8Array>,
  options: StreamDownloadOptions = {},
): Promise<StreamDownloadResult> {
  const operationId = meta.id;
  const signal = options.signal ?? input.signal;
  const context: ErrorContext = { portal, operationId };
  const urlField = meta.transfer.url;
  const writer = destination.getWriter();
  try {
    const fetchOnce = async (): Promise<{ response: Response; url: string }> => {
      let url: string;
      let credentials: ReturnType<typeof credentialsFor> = [];
      let headers: Record<string, string> = { ...input.headers };
      if (urlField !== undefined) {
        const found = getPath(await callOperation(client, meta, input), urlField);
        if (typeof found !== "string" || !/^https?:\/\//.test(found)) {
          throw new UnexpectedResponseError(
            `${portal}: ${operationId} returned no download URL at "${urlField}"`,
            {
              ...context,
              code: "invalid_response",
            },
          );
        }
        url = found;
        // The URL is the credential: nothing of ours goes with it.
        headers = headersForOtherOrigin(headers, state.transport.crossOrigin);
      } else {
        url = operationUrl(client, meta, input);
        if (mayCarryCredentials(new URL(url), new URL(state.baseUrl).origin))
          credentials = credentialsFor(client, meta);
      }
      const response = await state.transport.send(new Request(url, { headers }), {
        operationId,
        path: meta.path,
        credentials,
        idempotent: true,
        signal,
        maxRetries: options.maxRetries ?? input.maxRetries,
        stream: true,
      });
      return { response, url };
    };

    let { response, url } = await fetchOnce();
    // A pre-signed URL that expired between the two calls: ask the portal for a fresh one, once.
    if (urlField !== undefined && (response.status === 401 || response.status === 403)) {
      await response.body?.cancel();
      ({ response, url } = await fetchOnce());
    }
    if (!response.ok) {
      const text = await response.text().catch(() => "");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: the text is the body
      }
      throw errorFromResponse(response, body, { ...context, method: "GET", url });
    }

    const length = response.headers.get("content-length");
    const encoded = response.headers.get("content-encoding");
    const total =
      options.expectedSize ??
      (length !== null && /^\d+$/.test(length) && !encoded ? Number(length) : undefined);
    let bytes = 0;
    let reported = 0;
    const report = () => options.onProgress?.({ bytes, total, transferred: bytes });
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read().catch((error: unknown) => {
          throw bodyFailure(error, signal, bytes, context);
        });
        if (done) break;
        await writer.write(value);
        bytes += value.byteLength;
        if (options.onProgress && Date.now() - reported >= PROGRESS_INTERVAL_MS) {
          reported = Date.now();
          report();
        }
      }
    }
    if (total !== undefined && bytes !== total) {
      throw new TransferError(`${portal}: ${operationId}: received ${bytes} bytes of ${total}`, {
        ...context,
        code: "length_mismatch",
      });
    }
    report();
    await writer.close();
    return {
      size: bytes,
      etag: response.headers.get("etag") ?? undefined,
      contentType: response.headers.get("content-type") ?? undefined,
    };
  } catch (error) {
    await writer.abort(error).catch(() => {});
    throw error;
  } finally {
    writer.releaseLock();
  }
}

/** A failure while reading the body, as the client's errors: the caller's abort, or a cut connection. */
function bodyFailure(error: unknown, signal: AbortSignal | undefined, bytes: number, context: ErrorContext) {
  if (error instanceof PortalError) return error;
  if (signal?.aborted) {
    return signal.reason instanceof PortalError
      ? signal.reason
      : new AbortError(`${context.portal}: ${context.operationId} was aborted`, {
          ...context,
          code: "aborted",
          cause: signal.reason,
        });
  }
  return new ResponseTruncatedError(
    `${context.portal}: ${context.operationId}: the connection closed after ${bytes} bytes of the file`,
    { ...context, code: "connection_error", cause: error },
  );
}
