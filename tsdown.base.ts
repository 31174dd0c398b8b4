import { defineConfig, type UserConfig } from "tsdown";
import type { Plugin } from "rolldown";

/**
 * The one build every public package shares: ESM and CJS JavaScript, and one set of declarations.
 * What each part costs is measured in tools/size/README.md ("What a user downloads").
 *
 * - No source maps: the JavaScript is not minified, keeps its `//#region src/…` markers and reads
 *   like the source minus its types, so a stack trace's line is readable where it points. Maps
 *   carrying their sources doubled each package (BrainSTEM: 4.0 MB of 10.5), and maps without
 *   them point at `src/`, which is not published.
 * - No TSDoc in the JavaScript: editors and TypeDoc read it from the declarations, which keep it.
 * - One declaration set: the `.d.cts` files. Each entry's `.d.mts` re-exports its `.d.cts`, so
 *   `import` and `require` users see the same declarations (one `PortalError` type, not two)
 *   and the package does not ship every declaration twice.
 */
export function packageBuild(entry: string[]): UserConfig {
  return defineConfig({
    entry,
    format: ["esm", "cjs"],
    dts: { sourcemap: false },
    sourcemap: false,
    clean: true,
    outputOptions: { comments: { legal: true, annotation: true, jsdoc: false } },
    plugins: [esmDeclarationsFromCjs()],
  });
}

/** Replaces each entry's `.d.mts` with a re-export of its `.d.cts` and drops the other `.d.mts` chunks. */
function esmDeclarationsFromCjs(): Plugin {
  return {
    name: "sciportals:esm-declarations-from-cjs",
    generateBundle(_options, bundle) {
      for (const [name, chunk] of Object.entries(bundle)) {
        if (!name.endsWith(".d.mts")) continue;
        if (chunk.type === "chunk" && chunk.isEntry) {
          const base = name.slice(name.lastIndexOf("/") + 1, -".d.mts".length);
          chunk.code = `export * from "./${base}.cjs";\n`;
        } else {
          delete bundle[name];
        }
      }
    },
  };
}
