import { spawnSync } from "node:child_process";
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
});
