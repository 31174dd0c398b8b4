import { bundle, createConfig } from "@redocly/openapi-core";

const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** A spec bundled as codegen sees it (every file it refers to, inlined). */
export async function bundleSpec(spec: string): Promise<Record<string, any>> {
  const { bundle: bundled } = await bundle({ ref: spec, config: await createConfig({}) });
  return bundled.parsed as Record<string, any>;
}

/** Every "METHOD /path" under `paths`: what codegen should turn into one method each. */
export function operationsIn(doc: Record<string, any>): string[] {
  const found: string[] = [];
  for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths ?? {}))
    for (const method of methods) if (item[method]) found.push(`${method.toUpperCase()} ${path}`);
  return found;
}
