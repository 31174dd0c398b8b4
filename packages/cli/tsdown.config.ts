import { defineConfig } from "tsdown";

export default defineConfig({
  // The bin, and the programmatic entry (the command tree, for tests and embedding).
  entry: ["src/cli.ts", "src/index.ts"],
  format: ["esm"],
  dts: { sourcemap: false },
  sourcemap: true,
  clean: true,
});
