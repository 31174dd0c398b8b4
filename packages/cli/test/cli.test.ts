import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const bin = join(__dirname, "../dist/cli.mjs");

describe("the sciportals binary", () => {
  it("lists every portal in its help", () => {
    const result = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(result.status).toBe(0);
    for (const portal of ["stomics", "genestack-odm", "brainstem", "flow"])
      expect(result.stdout).toContain(portal);
  });

  it("prints its package's version, which changesets bumps", () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, "../package.json"), "utf8")) as {
      version: string;
    };
    const result = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });
});
