import { callOperation, credentialsFor } from "./base.js";
import { errorFromResponse, UnexpectedResponseError } from "./errors.js";
import type { OperationMeta, RawInput } from "./operation.js";
import { mayCarryCredentials } from "./origin.js";
import { getPath } from "./path.js";
import { operationUrl, resolveOperation, HEADABLE } from "./resolve-operation.js";
import { scrubError } from "./secrets.js";
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
  const { meta, state, portal } = resolveOperation(client, operationId, HEADABLE);
  try {
    return await headOf(client, meta, state, portal, input);
  } catch (error) {
    throw scrubError(error, state.secrets);
  }
}

async function headOf(
  client: object,
  meta: OperationMeta,
  state: ReturnType<typeof resolveOperation>["state"],
  portal: string,
  input: RawInput,
): Promise<ResourceHead> {
  const operationId = meta.id;
  validateInput(portal, meta, input);
  let url: string;
  let credentials: ReturnType<typeof credentialsFor> = [];
  const urlField = meta.transfer?.direction === "download" ? meta.transfer.url : undefined;
  if (urlField !== undefined) {
    const data = await callOperation(client, meta, input);
    const found = getPath(data, urlField);
    if (typeof found !== "string") {
      throw new UnexpectedResponseError(`${portal}: ${operationId} returned no URL at "${urlField}"`, {
        portal,
        operationId,
        code: "invalid_response",
      });
    }
    url = found;
  } else {
    url = operationUrl(client, meta, input);
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
