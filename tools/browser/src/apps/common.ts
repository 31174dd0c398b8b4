/** What every browser app reports, and the helpers they share. Runs in the page. */

/** One retry the client made, as its `onRetry` hook saw it. */
export interface SeenRetry {
  status: number | undefined;
  waitMs: number;
}

/** A downloaded file as the page holds it: a Blob, and its SHA-256 computed in the page. */
export interface BlobReport {
  size: number;
  sha256: string;
  /** What `download()` resolved with. */
  result: unknown;
}

/** A token source an app would plug in (e.g. from its OAuth library): stale first, renewed on a 401. */
export function tokenProvider(header: string, prefix: string, stale: string, fresh: string) {
  let token = stale;
  const provider = {
    refreshes: 0,
    get: () => ({ header, value: `${prefix}${token}` }),
    refresh: async () => {
      provider.refreshes++;
      token = fresh;
      return true;
    },
  };
  return provider;
}

/**
 * Runs `download` into the writable side of a TransformStream while the readable side is collected
 * into a Blob: what a page does to save or show a file.
 */
export async function intoBlob(
  download: (destination: WritableStream<Uint8Array>) => Promise<unknown>,
): Promise<BlobReport> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const [blob, result] = await Promise.all([new Response(readable).blob(), download(writable)]);
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { size: blob.size, sha256, result };
}

/** An error as the page can hand it back to the test: class name and message. */
export async function failure(
  run: () => Promise<unknown>,
): Promise<{ name: string; message: string } | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return { name: (error as Error).constructor.name, message: (error as Error).message };
  }
}
