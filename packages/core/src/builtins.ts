import { ConfigurationError } from "./errors.js";

type Builtins = {
  fs: typeof import("node:fs");
  fsp: typeof import("node:fs/promises");
  http: typeof import("node:http");
  https: typeof import("node:https");
  crypto: typeof import("node:crypto");
  streams: typeof import("node:stream/promises");
  net: typeof import("node:net");
  tls: typeof import("node:tls");
};

let cached: Builtins | undefined;

/** True where Node's built-ins can be loaded (Node 20.16+, and runtimes that copy its API). */
export function hasNodeBuiltins(): boolean {
  const proc = (globalThis as { process?: { getBuiltinModule?: unknown } }).process;
  return typeof proc?.getBuiltinModule === "function";
}

/**
 * Node's built-in modules, loaded when first needed rather than imported, so that core's main
 * entry carries no `node:` import and bundles for the browser unchanged.
 */
export function nodeBuiltins(feature: string): Builtins {
  if (cached) return cached;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") {
    throw new ConfigurationError(
      `${feature} works with files on disk and needs Node.js 20.16 or later; it is not available here.`,
      { code: "unsupported_environment" },
    );
  }
  const load = proc.getBuiltinModule.bind(proc);
  cached = {
    fs: load("node:fs") as Builtins["fs"],
    fsp: load("node:fs/promises") as Builtins["fsp"],
    http: load("node:http") as Builtins["http"],
    https: load("node:https") as Builtins["https"],
    crypto: load("node:crypto") as Builtins["crypto"],
    streams: load("node:stream/promises") as Builtins["streams"],
    net: load("node:net") as Builtins["net"],
    tls: load("node:tls") as Builtins["tls"],
  };
  return cached;
}
