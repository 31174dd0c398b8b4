import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Every test spawns the real binary (a Node start-up, imports, a sandbox round trip or
    // several): seconds each on a busy CI machine, not the default 5.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
