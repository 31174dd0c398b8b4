import { createFinalURL, defaultPathSerializer } from "openapi-fetch";
import { callOperation, credentialsFor, internalsOf } from "./base.js";
import { errorFromResponse, ValidationError } from "./errors.js";
import type { RawInput } from "./operation.js";
import { mayCarryCredentials } from "./origin.js";
import { getPath } from "./path.js";
import { querySerializerOrDefault } from "./query.js";
import { validateInput } from "./validate.js";

/** What a HEAD request says about a file, without downloading it. */
export interface ResourceHead {
  /** False when the portal answered 404. */
  exists: boolean;
  status: number;
  /** Content-Length, when the portal sent it. */
  size: number | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
  contentType: string | undefined;
  /** The portal advertised `Accept-Ranges: bytes`, so a download can resume. */
  acceptsRanges: boolean;
  headers: Headers;
}

/**
 * Asks for a file's size and existence with HEAD, before a batch of downloads. Works for HEAD
 * operations, download operations (HEAD on the same URL) and pre-signed downloads (HEAD on the
 * URL the portal hands out). A missing file resolves with `exists: false`; other failures throw.
 */
export async function head(client: object, operationId: string, input: RawInput = {}): Promise<ResourceHead> {
  const state = internalsOf(client);
  const { definition } = state;
  const portal = definition.title;
  const meta = definition.operations[operationId];
  if (!meta || (meta.method !== "HEAD" && meta.transfer?.direction !== "download")) {
    const usable = Object.values(definition.operations)
      .filter((m) => m.method === "HEAD" || m.transfer?.direction === "download")
      .map((m) => m.id);
    throw new ValidationError(
      `${portal}: head() needs a HEAD or download operation, not ${operationId}. Usable: ${usable.join(", ") || "none"}.`,
      {
        portal,
        operationId,
        code: "invalid_argument",
      },
    );
  }
  validateInput(portal, meta, input);
  let url: string;
  let credentials: ReturnType<typeof credentialsFor> = [];
  const urlField = meta.transfer?.direction === "download" ? meta.transfer.url : undefined;
  if (urlField !== undefined) {
    const data = await callOperation(client, meta, input);
    const found = getPath(data, urlField);
    if (typeof found !== "string") {
      throw new ValidationError(`${portal}: ${operationId} returned no URL at "${urlField}"`, {
        portal,
        operationId,
        code: "invalid_response",
      });
    }
    url = found;
  } else {
    url = createFinalURL(meta.path, {
      baseUrl: state.baseUrl,
      params: { path: input.path ?? {}, query: input.query ?? {} },
      querySerializer: querySerializerOrDefault(meta),
      pathSerializer: defaultPathSerializer,
    });
    if (mayCarryCredentials(new URL(url), new URL(state.baseUrl).origin))
      credentials = credentialsFor(client, meta);
  }
  const request = new Request(url, { method: "HEAD", headers: input.headers ?? {} });
  const response = await state.transport.send(request, {
    operationId,
    credentials,
    idempotent: true,
    signal: input.signal,
    timeoutMs: input.timeoutMs,
    maxRetries: input.maxRetries,
  });
  if (response.status === 404) return describe(response, false);
  if (!response.ok)
    throw errorFromResponse(response, undefined, { portal, operationId, method: "HEAD", url });
  return describe(response, true);
}

function describe(response: Response, exists: boolean): ResourceHead {
  const headers = response.headers;
  const length = headers.get("content-length");
  return {
    exists,
    status: response.status,
    size: exists && length !== null && /^\d+$/.test(length) ? Number(length) : undefined,
    etag: headers.get("etag") ?? undefined,
    lastModified: headers.get("last-modified") ?? undefined,
    contentType: headers.get("content-type") ?? undefined,
    acceptsRanges: headers.get("accept-ranges") === "bytes",
    headers,
  };
}
