import { createRequire } from "node:module";

/**
 * The package's own version, read from its package.json at run time: from `dist/` and from
 * `src/` alike the manifest is one folder up, and changesets bumps only the manifest.
 */
export const CLI_VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string })
  .version;
