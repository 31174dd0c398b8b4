import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const require = createRequire(import.meta.url);

interface Manifest {
  name: string;
  private?: boolean;
  bin?: Record<string, string>;
  exports: Record<string, { import: { default: string }; require: { default: string } } | string>;
}

const published = readdirSync(join(root, "packages"))
  .map((dir) => ({
    dir: join(root, "packages", dir),
    manifest: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) as Manifest,
  }))
  .filter((p) => !p.manifest.private);
// The libraries: dual ESM/CJS, browser-safe main entries. The command (a `bin`) is a Node tool.
const packages = published.filter((p) => !p.manifest.bin);
const commands = published.filter((p) => p.manifest.bin);

describe.each(packages)("$manifest.name", ({ dir, manifest }) => {
  const entries = Object.entries(manifest.exports).filter(([subpath]) => subpath !== "./package.json");

  it.each(entries)(
    "%s loads with import and with require, exposing the same names",
    async (_subpath, target) => {
      if (typeof target === "string") throw new Error("expected import/require conditions");
      const esm = await import(pathToFileURL(join(dir, target.import.default)).href);
      const cjs = require(join(dir, target.require.default));
      expect(Object.keys(esm).sort()).toEqual(
        Object.keys(cjs)
          .filter((k) => k !== "__esModule")
          .sort(),
      );
      expect(Object.keys(esm).length).toBeGreaterThan(0);
    },
  );

  it("keeps node: built-ins out of the main entry, so it bundles for browsers", () => {
    const main = manifest.exports["."] as { import: { default: string } };
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(file, "utf8");
      expect(code, file).not.toMatch(
        /from\s*["']node:|require\(["']node:|from\s*["'](fs|http|https|path|crypto)["']/,
      );
      for (const [, spec] of code.matchAll(/from\s*["'](\.[^"']+)["']/g)) visit(join(dirname(file), spec!));
    };
    visit(join(dir, main.import.default));
  });
});

describe.each(commands)("$manifest.name (a command)", ({ dir, manifest }) => {
  it("has an executable ESM bin and a library entry that loads", async () => {
    expect(Object.keys(manifest.bin!).length).toBeGreaterThan(0);
    for (const file of Object.values(manifest.bin!))
      expect(readFileSync(join(dir, file), "utf8").startsWith("#!/usr/bin/env node\n"), file).toBe(true);
    const main = manifest.exports["."] as unknown as { default: string };
    const library = (await import(pathToFileURL(join(dir, main.default)).href)) as Record<string, unknown>;
    expect(Object.keys(library).length).toBeGreaterThan(0);
  });
});

describe("a portal package and core", () => {
  it("share one copy of core's classes in each module system", async () => {
    const core = await import("@sciportals/core");
    const stomics = await import("@sciportals/stomics");
    expect(stomics.NotFoundError).toBe(core.NotFoundError);
    const coreCjs = require("@sciportals/core");
    const stomicsCjs = require("@sciportals/stomics");
    expect(stomicsCjs.NotFoundError).toBe(coreCjs.NotFoundError);
    const client = stomicsCjs.createStomicsClient({ apiKey: "sk-x", env: false });
    expect(client.title).toBe("STOmics");
    expect(typeof client.listDatasets).toBe("function");
    expect(typeof client.paginate).toBe("function");
  });

  it("turns a failure into the error class users import", async () => {
    const stomics = await import("@sciportals/stomics");
    const fetch = async () => Response.json({ detail: "Dataset not found" }, { status: 404 });
    const client = stomics.createStomicsClient({ apiKey: "sk-x", env: false, fetch });
    await expect(client.getDataset({ path: { accession: "STD0404" } })).rejects.toBeInstanceOf(
      stomics.NotFoundError,
    );
  });
});
