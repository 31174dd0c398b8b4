import type { FetchLike } from "@sciportals/core";

/** Query parameters whose values may be credentials (Flow's `?token=` downloads, signed URLs). */
const SENSITIVE = /token|key|secret|signature|password|credential|auth/i;

/** A URL for a log line: the path and query names, any value that may be secret replaced. */
export function loggableUrl(raw: string): string {
  const url = new URL(raw);
  for (const name of [...url.searchParams.keys()])
    if (SENSITIVE.test(name) || /^x-amz-|^x-goog-/i.test(name)) url.searchParams.set(name, "***");
  url.username = "";
  url.password = "";
  return decodeURI(url.href);
}

/**
 * A `fetch` that logs each request and its status to stderr for `--verbose`. It logs no header:
 * headers carry the credentials. `inner` sends: the CLI passes core's proxy-aware fetch, so that
 * `--verbose` goes through `HTTPS_PROXY` as every other call does.
 */
export function verboseFetch(inner: FetchLike = (request) => fetch(request)): FetchLike {
  return async (input, init) => {
    const request = new Request(input, init);
    const started = Date.now();
    process.stderr.write(`> ${request.method} ${loggableUrl(request.url)}\n`);
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
