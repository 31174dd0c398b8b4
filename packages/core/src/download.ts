import { withQueryCredentials } from "./auth.js";
import { callOperation, credentialsFor } from "./base.js";
import { ValidationError } from "./errors.js";
import type { RawInput } from "./operation.js";
import { getPath } from "./path.js";
import { DOWNLOADABLE, operationUrl, resolveOperation } from "./resolve-operation.js";
import { validateInput } from "./validate.js";
import { headersForOtherOrigin } from "./cross-origin.js";
import type { DownloadOptions, DownloadResult, DownloadSource } from "./node/file-download.js";
import { mayCarryCredentials } from "./origin.js";
import {
  downloadToStream,
  isWritableStream,
  type StreamDownloadOptions,
  type StreamDownloadResult,
} from "./download-stream.js";

/**
 * Downloads the file an operation names to `destination`: a file path (Node), or a
 * `WritableStream` (browsers; see {@link downloadToStream}). For an operation that returns a
 * pre-signed URL, it asks for the URL, fetches it without credentials, and asks again if the URL
 * expires mid-way; for one whose response is the file, it sends the portal's credentials and (to a
 * file) resumes with Range. Generated clients expose it as `client.download(operationId, input, destination)`.
 */
export function download(
  client: object,
  operationId: string,
  input: RawInput,
  destination: string,
  options?: DownloadOptions,
): Promise<DownloadResult>;
export function download(
  client: object,
  operationId: string,
  input: RawInput,
  destination: WritableStream<Uint8Array>,
  options?: StreamDownloadOptions,
): Promise<StreamDownloadResult>;
export async function download(
  client: object,
  operationId: string,
  input: RawInput,
  destination: string | WritableStream<Uint8Array>,
  options: DownloadOptions & StreamDownloadOptions = {},
): Promise<DownloadResult | StreamDownloadResult> {
  const resolved = resolveOperation(client, operationId, DOWNLOADABLE);
  const { meta, state, portal } = resolved;
  if (isWritableStream(destination)) {
    validateInput(portal, meta, input);
    return downloadToStream(client, resolved, input, destination, options);
  }
  if (typeof destination !== "string" || destination === "") {
    throw new ValidationError(`${portal}: download needs a destination file path or a WritableStream`, {
      portal,
      operationId,
      code: "invalid_argument",
    });
  }
  validateInput(portal, meta, input);
  const context = { portal, operationId };
  // Loaded on first use: the file writer needs Node, and this module must bundle for browsers.
  const { checkDestination, downloadToFile } = await import("./node/file-download.js");
  // A destination that cannot be written fails before the portal is asked for anything.
  await checkDestination(destination, options, context);
  const resumeKey = `${portal}:${operationId}:${JSON.stringify(input.path ?? {})}:${JSON.stringify(input.query ?? {})}`;
  const merged: DownloadOptions = {
    ...options,
    signal: options.signal ?? input.signal,
    proxy: options.proxy ?? state.proxy,
  };
  const urlField = meta.transfer.url;
  const crossOrigin = state.transport.crossOrigin;
  // The file's requests report to the client's logger and hooks under the operation's path.
  const report = state.observer && { observer: state.observer, path: meta.path };

  if (urlField !== undefined) {
    // Pre-signed: the URL is the credential, so nothing of ours goes with it, and of the caller's
    // headers only those the cross-origin rule lets through.
    const presigned = async (): Promise<DownloadSource> => {
      const data = await callOperation(client, meta, input);
      const url = getPath(data, urlField);
      if (typeof url !== "string" || !/^https?:\/\//.test(url)) {
        throw new ValidationError(`${portal}: ${operationId} returned no download URL at "${urlField}"`, {
          ...context,
          code: "invalid_response",
        });
      }
      return {
        url,
        resumeKey,
        context: { ...context, url },
        report,
        headers: () => headersForOtherOrigin({ ...input.headers }, crossOrigin),
        crossOrigin,
        renew: async (status) => (status === 403 || status === 401 ? presigned() : undefined),
        refusalHint:
          "The pre-signed URL was refused even after asking the portal for a fresh one. " +
          "If the storage says the request has expired, check that this machine's clock is right.",
      };
    };
    return downloadToFile(await presigned(), destination, merged);
  }

  const url = operationUrl(client, meta, input);
  const credentials = mayCarryCredentials(new URL(url), new URL(state.baseUrl).origin)
    ? credentialsFor(client, meta)
    : [];
  let current = await Promise.all(credentials.map((c) => c.get(merged.signal)));
  const inHeaders = () => current.filter((h) => !h.query);
  const source: DownloadSource = {
    url: withQueryCredentials(url, current),
    resumeKey,
    context,
    report,
    credentialHeaders: inHeaders().map((h) => h.header),
    crossOrigin,
    headers: async () => ({
      ...input.headers,
      ...Object.fromEntries(inHeaders().map((h) => [h.header, h.value])),
    }),
    renew: async (status) => {
      if (status !== 401) return undefined;
      let renewed = false;
      for (const [i, credential] of credentials.entries()) {
        if (credential.refresh && (await credential.refresh(current[i]!, merged.signal))) renewed = true;
      }
      if (!renewed) return undefined;
      current = await Promise.all(credentials.map((c) => c.get(merged.signal)));
      source.url = withQueryCredentials(url, current);
      return source;
    },
  };
  return downloadToFile(source, destination, merged);
}
