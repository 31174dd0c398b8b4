// The node/ boundary: modules in src/ (the portable main entry) reach src/node/ only through
// `import type` or `import()`, and import no `node:` module, so that the main entry bundles for
// browsers and Node-only code loads where it is used. src/node.ts is the Node entry: exempt.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(__dirname, "../src");
const portable = readdirSync(SRC).filter((f) => f.endsWith(".ts") && f !== "node.ts");

/** Static imports and re-exports that are not type-only: `import x from "…"`, `export { x } from "…"`. */
function runtimeImports(source: string): string[] {
  const found: string[] = [];
  const statement = /^(import|export)\s+(?!type\b)([^;]*?)\s+from\s+"([^"]+)";/gms;
  for (const match of source.matchAll(statement)) {
    const clause = match[2]!.trim();
    // `import { type A, type B } from` is type-only too.
    const names = /^\{([^}]*)\}$/.exec(clause)?.[1];
    if (names && names.split(",").every((n) => n.trim() === "" || n.trim().startsWith("type "))) continue;
    found.push(match[3]!);
  }
  for (const match of source.matchAll(/^import\s+"([^"]+)";/gm)) found.push(match[1]!);
  return found;
}

describe("the node/ boundary", () => {
  it("portable modules import nothing from node/ or node: at run time", () => {
    const offenders = portable.flatMap((file) =>
      runtimeImports(readFileSync(join(SRC, file), "utf8"))
        .filter((from) => from.startsWith("./node/") || from.startsWith("node:"))
        .map((from) => `${file} -> ${from}`),
    );
    expect(portable.length).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });

  it("the scan sees a runtime import when there is one", () => {
    expect(
      runtimeImports('import { a, type B } from "./node/x.js";\nimport type { C } from "./node/y.js";'),
    ).toEqual(["./node/x.js"]);
  });
});
