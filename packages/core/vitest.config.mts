import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: [
      // Core's main entry loads its Node entry by package name at run time (see src/network.ts);
      // in tests that must be the source under test, not a stale dist/.
      {
        find: /^@sciportals\/core\/node$/,
        replacement: fileURLToPath(new URL("./src/node.ts", import.meta.url)),
      },
    ],
  },
});
