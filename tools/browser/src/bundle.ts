/**
 * Bundles the browser apps (./apps/*.ts) as an application would: esbuild, platform browser, the
 * portal packages resolved from their published entry (`dist/index.mjs` through `exports`), no Node
 * built-ins and no shims. A `node:` import anywhere in what an app pulls in fails the build.
 * @module
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

/** The apps, by portal: one bundle each, as four separate applications would have. */
export const APPS = ["stomics", "genestack-odm", "brainstem", "flow"] as const;
export type AppName = (typeof APPS)[number];

export interface Bundles {
  /** The JavaScript of each app's bundle. */
  code: Record<AppName, string>;
  /** Every module each bundle is made of (paths relative to the workspace root). */
  inputs: Record<AppName, string[]>;
}

export async function bundleApps(): Promise<Bundles> {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  const code = {} as Record<AppName, string>;
  const inputs = {} as Record<AppName, string[]>;
  for (const app of APPS) {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [fileURLToPath(new URL(`./apps/${app}.ts`, import.meta.url))],
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      write: false,
      metafile: true,
      logLevel: "silent",
      outfile: `${app}.js`,
    });
    code[app] = result.outputFiles[0]!.text;
    inputs[app] = Object.keys(result.metafile.inputs);
  }
  return { code, inputs };
}
