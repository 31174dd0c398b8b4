// Deno refuses (or, on a terminal, asks about) each variable it was not granted; core must ask
// Deno first and read such a variable as unset. Deno is imitated here; tools/runtimes runs the
// real one without --allow-env.
import { afterEach, describe, expect, it, vi } from "vitest";
import { processEnv } from "../src/env.js";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

function fakeDeno(granted: string[] | "all") {
  const asked: string[] = [];
  vi.stubGlobal("Deno", {
    permissions: {
      querySync: ({ variable }: { name: string; variable?: string }) => {
        asked.push(variable ?? "*");
        return {
          state: granted === "all" || (variable && granted.includes(variable)) ? "granted" : "prompt",
        };
      },
    },
  });
  return asked;
}

describe("processEnv", () => {
  it("is process.env in Node", () => {
    expect(processEnv()).toBe(process.env);
  });

  it("in Deno, reads granted variables and sees the others as unset, asking without prompting", () => {
    vi.stubEnv("SCIPORTALS_TEST_GRANTED", "yes");
    vi.stubEnv("SCIPORTALS_TEST_DENIED", "secret");
    const asked = fakeDeno(["SCIPORTALS_TEST_GRANTED"]);
    const env = processEnv();
    expect(env.SCIPORTALS_TEST_GRANTED).toBe("yes");
    expect(env.SCIPORTALS_TEST_DENIED).toBeUndefined();
    expect("SCIPORTALS_TEST_DENIED" in env).toBe(false);
    expect(asked).toEqual([
      "*",
      "SCIPORTALS_TEST_GRANTED",
      "SCIPORTALS_TEST_DENIED",
      "SCIPORTALS_TEST_DENIED",
    ]);
  });

  it("in Deno with --allow-env, is process.env", () => {
    fakeDeno("all");
    expect(processEnv()).toBe(process.env);
  });
});
