import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

/** A verdaccio server on 127.0.0.1 with its own throwaway storage. */
export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/`, with the trailing slash npm wants. */
  readonly url: string;
  readonly port: number;
  /** The server's own PID (the verdaccio bin runs directly under node, not through npx). */
  readonly pid: number;
  /** The folder that holds the config, the storage and the log. */
  readonly dir: string;
  readonly logFile: string;
  /** A dummy token: npm refuses to publish without one, the registry accepts any. */
  readonly token: string;
  /** `--//127.0.0.1:<port>/:_authToken=<token>`: the npm flag that authenticates a publish. */
  readonly authFlag: string;
  /** The `.npmrc` lines that send `scope` (such as `@sciportals`) here, with the token. */
  npmrc(scope: string, options?: { auth?: boolean }): string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and, unless `keepDir`, removes its folder. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

export interface StartRegistryOptions {
  /**
   * Package patterns (verdaccio's, such as `@sciportals/*`) that are served only from local storage:
   * never proxied, so the public registry can never shadow or supply them. Anyone may publish them.
   */
  local: readonly string[];
  /**
   * The registry every other package (`**`) is proxied to, so a consumer can install third-party
   * dependencies through this one. `null`: none (everything else is a 404; for tests).
   * Default: `https://registry.npmjs.org/`.
   */
  uplink?: string | null;
  /** Where to put the config, storage and log; a new temp folder by default. */
  dir?: string;
  /** How long to wait for `/-/ping`. Default: 30 s. */
  startTimeoutMs?: number;
}

/** Verdaccio's CLI script, resolved from this package (it may be hoisted to the repository root). */
export function verdaccioBin(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve("verdaccio/package.json");
  const manifest = require(manifestPath) as { bin?: string | Record<string, string> };
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.["verdaccio"];
  if (!bin) throw new Error(`${manifestPath} names no "verdaccio" bin`);
  return resolve(dirname(manifestPath), bin);
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** Verdaccio's config. JSON is YAML, so it is written as JSON and needs no escaping. */
export function registryConfig(
  dir: string,
  port: number,
  options: StartRegistryOptions,
): Record<string, unknown> {
  const uplink = options.uplink === undefined ? "https://registry.npmjs.org/" : options.uplink;
  const packages: Record<string, Record<string, string>> = {};
  for (const pattern of options.local)
    packages[pattern] = { access: "$all", publish: "$all", unpublish: "$all" };
  packages["**"] = {
    access: "$all",
    publish: "$authenticated",
    unpublish: "$authenticated",
    ...(uplink ? { proxy: "npmjs" } : {}),
  };
  return {
    storage: join(dir, "storage"),
    auth: { htpasswd: { file: join(dir, "htpasswd"), max_users: -1 } },
    uplinks: uplink ? { npmjs: { url: uplink, timeout: "30s", max_fails: 5 } } : {},
    packages,
    listen: `127.0.0.1:${port}`,
    // Publishing a local package must not wait on (or fail with) the uplink.
    publish: { allow_offline: true },
    web: { enable: false },
    log: { type: "stdout", format: "pretty", level: "warn" },
  };
}

/** Children started by {@link startRegistry} and not yet stopped: killed if this process exits. */
const servers = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of servers) child.kill("SIGKILL");
});

/**
 * Starts verdaccio on a free port on 127.0.0.1 with storage in a temp folder, and resolves once
 * `/-/ping` answers. Retries on another port if the first one was taken in the meantime.
 */
export async function startRegistry(options: StartRegistryOptions): Promise<LocalRegistry> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "sciportals-registry-")));
  await mkdir(join(dir, "storage"), { recursive: true });
  const bin = verdaccioBin();
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const configFile = join(dir, "config.yaml");
    await writeFile(configFile, `${JSON.stringify(registryConfig(dir, port, options), null, 2)}\n`);
    const logFile = join(dir, `verdaccio-${attempt}.log`);
    try {
      return await launch({
        bin,
        dir,
        ownDir,
        port,
        configFile,
        logFile,
        timeoutMs: options.startTimeoutMs ?? 30_000,
      });
    } catch (error) {
      lastError = error;
      const log = await readFile(logFile, "utf8").catch(() => "");
      if (!/EADDRINUSE/.test(log)) break;
    }
  }
  if (ownDir) await rm(dir, { recursive: true, force: true });
  throw lastError;
}

async function launch(args: {
  bin: string;
  dir: string;
  ownDir: boolean;
  port: number;
  configFile: string;
  logFile: string;
  timeoutMs: number;
}): Promise<LocalRegistry> {
  const { dir, port, logFile } = args;
  const log = createWriteStream(logFile);
  await new Promise((resolveOpen) => log.once("open", resolveOpen));
  const child = spawn(process.execPath, [args.bin, "--config", args.configFile], {
    cwd: dir,
    stdio: ["ignore", log, log],
    env: { ...process.env, NODE_ENV: "production" },
  });
  servers.add(child);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolveExit) =>
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      servers.delete(child);
      resolveExit();
    }),
  );
  const url = `http://127.0.0.1:${port}/`;
  const token = `rehearsal-${randomUUID()}`;
  const host = `//127.0.0.1:${port}/`;

  const stop = async (options: { keepDir?: boolean } = {}) => {
    if (!exited) {
      child.kill("SIGTERM");
      const killed = await Promise.race([exit.then(() => true), sleep(5000).then(() => false)]);
      if (!killed) {
        child.kill("SIGKILL");
        await exit;
      }
    }
    log.end();
    if (args.ownDir && !options.keepDir) await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + args.timeoutMs;
  for (;;) {
    if (exited) {
      await stop({ keepDir: true });
      const text = await readFile(logFile, "utf8").catch(() => "");
      throw new Error(
        `verdaccio exited (${exited.signal ?? exited.code}) before answering on ${url}\n${text.trim().split("\n").slice(-20).join("\n")}`,
      );
    }
    try {
      const response = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop({ keepDir: true });
      throw new Error(
        `verdaccio did not answer ${url}-/ping within ${args.timeoutMs / 1000} s (log: ${logFile})`,
      );
    }
    await sleep(100);
  }

  return {
    url,
    port,
    pid: child.pid!,
    dir,
    logFile,
    token,
    authFlag: `--${host}:_authToken=${token}`,
    npmrc: (scope, options = {}) =>
      `${scope}:registry=${url}\n${options.auth === false ? "" : `${host}:_authToken=${token}\n`}`,
    stop,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
