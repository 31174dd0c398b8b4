import { defineConfig } from "tsdown";

export default defineConfig({
  // The bin, and the programmatic entry (the command tree, for tests and embedding).
  entry: ["src/cli.ts", "src/index.ts"],
  // ESM only: its dependencies (the MCP SDK, log-update) are ESM-only.
  format: ["esm"],
  dts: { sourcemap: false },
  // As the libraries (tsdown.base.ts): no maps (they were 156 of 248 kB), no TSDoc in the JavaScript.
  sourcemap: false,
  clean: true,
  outputOptions: { comments: { legal: true, annotation: true, jsdoc: false } },
});
