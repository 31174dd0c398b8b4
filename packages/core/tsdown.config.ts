import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts", "src/node.ts", "src/schema-check.ts"],
  format: ["esm", "cjs"],
  // No declaration maps: they would point at src/, which is not published.
  dts: { sourcemap: false },
  sourcemap: true,
  clean: true,
});
