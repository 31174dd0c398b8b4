import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultFileName, destinationIn, openDownloadDir } from "../src/mcp/download-dir.js";
import { kindOf } from "../src/mcp/operations.js";

describe("the MCP download directory", () => {
  let root: string;
  let outside: string;
  beforeAll(async () => {
    root = await openDownloadDir(await mkdtemp(join(tmpdir(), "sciportals-dl-")));
    outside = await mkdtemp(join(tmpdir(), "sciportals-out-"));
    await writeFile(join(outside, "target"), "x");
    await symlink(join(outside, "target"), join(root, "link"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it("puts a plain name directly inside the directory", async () => {
    expect(await destinationIn(root, "matrix.h5ad")).toBe(join(root, "matrix.h5ad"));
  });

  it.each(["", ".", "..", "../x", "a/b", "a\\b", "x..y", "nul\u0000byte", join(tmpdir(), "abs")])(
    "refuses %j",
    async (name) => {
      await expect(destinationIn(root, name)).rejects.toThrow(/Refused file name/);
    },
  );

  it("refuses a name that is a symbolic link out of the directory", async () => {
    await expect(destinationIn(root, "link")).rejects.toThrow(/symbolic link/);
  });

  it("derives a safe default name from the arguments", async () => {
    const name = defaultFileName("get-file", { accession: "../../etc", id: 7 });
    expect(name).not.toMatch(/[/\\]|\.\./);
    expect(await destinationIn(root, name)).toBe(join(root, name));
  });
});

describe("which operations are tools", () => {
  it("serves GETs and idempotent POSTs as reads, other methods as writes, and never uploads or auth", () => {
    expect(kindOf({ id: "a", method: "GET", path: "/a" }, undefined)).toBe("read");
    expect(kindOf({ id: "a", method: "POST", path: "/a", idempotent: true }, undefined)).toBe("read");
    expect(kindOf({ id: "a", method: "POST", path: "/a" }, undefined)).toBe("write");
    expect(kindOf({ id: "a", method: "DELETE", path: "/a" }, undefined)).toBe("write");
    expect(
      kindOf(
        {
          id: "a",
          method: "POST",
          path: "/a",
          idempotent: true,
          transfer: { direction: "upload", mode: "single", field: "f" },
        },
        undefined,
      ),
    ).toBe("excluded");
    expect(kindOf({ id: "a", method: "GET", path: "/a" }, { tags: ["auth"] })).toBe("excluded");
  });
});
