import { readFile } from "node:fs/promises";
import { parse } from "yaml";

/** A portal spec registered in redocly.yaml's `apis`, and where its package lives. */
export interface ApiEntry {
  /** The api's key in redocly.yaml, which is also its package folder under packages/. */
  name: string;
  /** The spec file, relative to the repository root. */
  spec: string;
  packageDir: string;
}

/** Reads the portal list from redocly.yaml: one config drives lint and codegen alike. */
export async function readApis(repoRoot: string): Promise<ApiEntry[]> {
  const config = parse(await readFile(`${repoRoot}/redocly.yaml`, "utf8")) as {
    apis?: Record<string, { root?: string }>;
  };
  return Object.entries(config.apis ?? {}).map(([name, api]) => {
    if (!api.root) throw new Error(`redocly.yaml: apis.${name} has no root`);
    return { name, spec: api.root, packageDir: `packages/${name}` };
  });
}
