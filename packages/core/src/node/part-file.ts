import { nodeBuiltins } from "../builtins.js";
import { removeQuietly, sizeOf } from "./destination.js";

/**
 * The partial file of a download and what it was started from: the sidecar
 * (`<destination>.part.json`) keeps the file's validators and total, so that a later call resumes
 * only the same version of the file, never another one's bytes after these.
 */

/** Bytes on disk, and the version of the file they belong to. */
export interface PartState {
  offset: number;
  total: number | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
}

/** No partial file. */
export const EMPTY: PartState = { offset: 0, total: undefined, etag: undefined, lastModified: undefined };

/** What identifies the version a partial file was started from: a strong ETag, else Last-Modified. */
export function validatorOf(state: PartState): string | undefined {
  return state.etag && !state.etag.startsWith("W/") ? state.etag : state.lastModified;
}

/**
 * True when a 206 comes from the version the partial file was started from: the same validator
 * (a missing one counts as different: restarting costs bytes, splicing costs the file) and,
 * when both are known, the same total.
 */
export function sameVersion(
  state: PartState,
  received: Record<string, string>,
  total: number | undefined,
): boolean {
  if (state.offset === 0) return true;
  if (state.total !== undefined && total !== undefined && state.total !== total) return false;
  if (state.etag && !state.etag.startsWith("W/")) return received.etag === state.etag;
  if (state.lastModified) return received["last-modified"] === state.lastModified;
  return false;
}

/** The partial file left for `key` by an earlier call, or {@link EMPTY} (removing what cannot be resumed). */
export async function loadPartial(part: string, sidecar: string, key: string): Promise<PartState> {
  const { fsp } = nodeBuiltins("download()");
  try {
    const saved = JSON.parse(await fsp.readFile(sidecar, "utf8")) as Partial<PartState> & { key?: string };
    const size = await sizeOf(part);
    const state = { offset: size, total: saved.total, etag: saved.etag, lastModified: saved.lastModified };
    const valid =
      saved.key === key && validatorOf(state) && (saved.total === undefined || size <= saved.total);
    if (valid && size > 0) return state;
  } catch {
    // no usable partial download
  }
  await removeQuietly(part, sidecar);
  return { ...EMPTY };
}
