import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import type { ApiEntry } from "./generate.js";

/**
 * Reads the portal list from redocly.yaml: one config drives lint and codegen alike. An api's
 * `x-sciportals-overlay` names an OpenAPI Overlay that codegen applies to its `root`.
 */
export async function readApis(repoRoot: string): Promise<ApiEntry[]> {
  const config = parse(await readFile(`${repoRoot}/redocly.yaml`, "utf8")) as {
    apis?: Record<string, { root?: string; "x-sciportals-overlay"?: string }>;
  };
  return Object.entries(config.apis ?? {}).map(([name, api]) => {
    if (!api.root) throw new Error(`redocly.yaml: apis.${name} has no root`);
    return { name, spec: api.root, overlay: api["x-sciportals-overlay"], packageDir: `packages/${name}` };
  });
}
