/**
 * A STOmics route made to drift from the spec, for testing `validateResponses` and the demo's
 * `--validate`: with `drift` on (`startStomicsSandbox({ drift: true })` or `setDrift(true)`),
 * `getDataset` answers as a portal might after an unannounced change: `title` renamed to `name`,
 * and `download_count` sent as a string. Everything else stays as the spec says.
 */

/** A getDataset body after the drift. */
export function driftedDataset(body: Record<string, unknown>): Record<string, unknown> {
  const { title, download_count, ...rest } = body;
  return { ...rest, name: title, download_count: String(download_count) };
}

/** The differences a client that validates against the spec must report for {@link driftedDataset}. */
export const DATASET_DRIFT = [
  { operationId: "getDataset", pointer: "/title", keyword: "required" },
  { operationId: "getDataset", pointer: "/download_count", keyword: "type" },
] as const;
