import { redactUrl, type FetchLike } from "@sciportals/core";

/**
 * A `fetch` that logs each request and its status to stderr for `--verbose`. It logs no header:
 * headers carry the credentials, and the URL goes through core's `redactUrl` (user info and
 * secret-looking query values masked, as in every error). `inner` sends: the CLI passes core's
 * proxy-aware fetch, so that `--verbose` goes through `HTTPS_PROXY` as every other call does.
 */
export function verboseFetch(inner: FetchLike = (request) => fetch(request)): FetchLike {
  return async (input, init) => {
    const request = new Request(input, init);
    const started = Date.now();
    process.stderr.write(`> ${request.method} ${decodeURI(redactUrl(request.url))}\n`);
    try {
      const response = await inner(request);
      process.stderr.write(`< ${response.status} ${response.statusText} (${Date.now() - started} ms)\n`);
      return response;
    } catch (error) {
      process.stderr.write(`< failed: ${(error as Error).name} (${Date.now() - started} ms)\n`);
      throw error;
    }
  };
}
