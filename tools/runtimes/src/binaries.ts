/**
 * Finds the Deno and Bun executables that `npm ci` installed for this workspace. Each comes from
 * the optional dependency that matches the platform (`@deno/linux-x64-glibc`,
 * `@oven/bun-linux-x64`, …). The packages' postinstall scripts, which npm 11 may skip, only move
 * or link that binary: Bun's moves it into `bun/bin/bun.exe` (a shell-script placeholder
 * otherwise), Deno's links it to `deno/deno`. So both places are looked at, and a file counts
 * only if it is a native executable.
 */
import { existsSync, openSync, readSync, closeSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export type Runtime = "deno" | "bun";

/** Where each runtime keeps its binary, inside its platform package and inside its own package. */
const LAYOUT: Record<Runtime, { inPlatformPackage: string; inMainPackage: string }> = {
  deno: { inPlatformPackage: "deno", inMainPackage: "deno" },
  bun: { inPlatformPackage: "bin/bun", inMainPackage: "bin/bun.exe" },
};

/** True for an ELF, Mach-O or PE file: not a placeholder script. */
function isNativeExecutable(path: string): boolean {
  if (!existsSync(path)) return false;
  const head = Buffer.alloc(4);
  const fd = openSync(path, "r");
  try {
    if (readSync(fd, head, 0, 4, 0) < 4) return false;
  } finally {
    closeSync(fd);
  }
  const magic = head.readUInt32BE(0);
  return (
    magic === 0x7f454c46 || // ELF
    [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic) || // Mach-O
    head.subarray(0, 2).toString("latin1") === "MZ" // PE
  );
}

/**
 * The path of `runtime`'s executable as installed under `from` (a directory whose node_modules
 * hold it), and the version the package pins. Throws, naming every place it looked, when there is
 * none: the test must fail, not skip, on a machine where `npm ci` did not install it.
 */
export function findRuntime(runtime: Runtime, from: string): { path: string; version: string } {
  const require = createRequire(join(from, "noop.js"));
  const packageDir = (name: string) => {
    try {
      return dirname(require.resolve(`${name}/package.json`));
    } catch {
      return undefined;
    }
  };
  const main = packageDir(runtime);
  if (!main) throw new Error(`${runtime} is not installed under ${from}: run npm ci at the repository root`);
  const manifest = JSON.parse(readFileSync(join(main, "package.json"), "utf8")) as {
    version: string;
    optionalDependencies?: Record<string, string>;
  };
  const exe = process.platform === "win32" ? ".exe" : "";
  const { inPlatformPackage, inMainPackage } = LAYOUT[runtime];
  const candidates = [
    ...Object.keys(manifest.optionalDependencies ?? {}).flatMap((name) => {
      const dir = packageDir(name);
      return dir ? [join(dir, inPlatformPackage + exe)] : [];
    }),
    join(main, inMainPackage.endsWith(".exe") ? inMainPackage : inMainPackage + exe),
  ];
  const path = candidates.find(isNativeExecutable);
  if (!path) {
    throw new Error(
      `no ${runtime} ${manifest.version} executable for ${process.platform}-${process.arch}: looked at ` +
        `${candidates.join(", ")}. It comes from ${runtime}'s optional dependency for this platform: ` +
        `run npm ci (without --omit=optional) at the repository root.`,
    );
  }
  return { path, version: manifest.version };
}
