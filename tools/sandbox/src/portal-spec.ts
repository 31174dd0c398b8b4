import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readApis } from "@sciportals/codegen/config";
import { loadSpec, type JsonObject } from "@sciportals/codegen/spec";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const loaded = new Map<string, Promise<JsonObject>>();

/**
 * A portal's spec as codegen reads it: its entry in redocly.yaml (`apis.<api>`), bundled, with
 * its `x-sciportals-overlay` applied, so the sandbox serves what the client was generated from.
 * Loaded once per process and shared by every sandbox of that portal.
 */
export function portalSpec(api: string): Promise<JsonObject> {
  let spec = loaded.get(api);
  if (!spec) {
    spec = loadPortalSpec(api);
    loaded.set(api, spec);
    spec.catch(() => loaded.delete(api)); // a failed load is retried, not remembered
  }
  return spec;
}

/** {@link portalSpec} without the cache, from the redocly.yaml of any repository root. */
export async function loadPortalSpec(api: string, root = repoRoot): Promise<JsonObject> {
  const entry = (await readApis(root)).find((a) => a.name === api);
  if (!entry) throw new Error(`sandbox: no apis.${api} in ${join(root, "redocly.yaml")}`);
  const fromRoot = (path: string) => (isAbsolute(path) ? path : join(root, path));
  const overlay = entry.overlay === undefined ? undefined : fromRoot(entry.overlay);
  return (await loadSpec(fromRoot(entry.spec), { overlay })).document;
}
