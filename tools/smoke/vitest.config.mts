import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Loading a built package twice (ESM and CJS) takes seconds on a busy machine.
    testTimeout: 30_000,
  },
});
