// Where npm ci leaves the runtimes' executables, with and without their postinstall scripts
// (npm 11 may skip them): fake node_modules trees, so that each layout is checked on any machine.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findRuntime } from "../src/binaries.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "runtimes-layout-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
const exe = process.platform === "win32" ? ".exe" : "";

function put(path: string, content: Buffer | string) {
  const full = join(root, "node_modules", path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
  chmodSync(full, 0o755);
  return full;
}

function bunPackage() {
  put(
    "bun/package.json",
    JSON.stringify({
      name: "bun",
      version: "1.4.4",
      optionalDependencies: { "@oven/bun-test-platform": "1.4.4" },
    }),
  );
  put(
    "@oven/bun-test-platform/package.json",
    JSON.stringify({ name: "@oven/bun-test-platform", version: "1.4.4" }),
  );
}

describe("findRuntime", () => {
  it("takes the platform package's binary when the postinstall script did not run", () => {
    bunPackage();
    put("bun/bin/bun.exe", 'echo "Error: Bun\'s postinstall script was not run." >&2; exit 1\n');
    const binary = put(`@oven/bun-test-platform/bin/bun${exe}`, ELF);
    expect(findRuntime("bun", root)).toEqual({ path: binary, version: "1.4.4" });
  });

  it("takes the binary the postinstall script moved into the main package", () => {
    bunPackage();
    const moved = put("bun/bin/bun.exe", ELF);
    expect(findRuntime("bun", root)).toEqual({ path: moved, version: "1.4.4" });
  });

  it("fails, naming where it looked, when there is no executable (no skip)", () => {
    put(
      "deno/package.json",
      JSON.stringify({ name: "deno", version: "2.9.6", optionalDependencies: { "@deno/x": "2.9.6" } }),
    );
    expect(() => findRuntime("deno", root)).toThrow(
      /no deno 2\.9\.6 executable .*looked at .*deno.*run npm ci/,
    );
  });

  it("fails when the package is not installed at all", () => {
    expect(() => findRuntime("deno", root)).toThrow(/deno is not installed .*npm ci/);
  });
});
