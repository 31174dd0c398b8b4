import { spawn, type ChildProcess } from "node:child_process";

/** A command that exited with a non-zero status (or could not start, or timed out). */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly output: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the command after this long. Default: 5 minutes. */
  timeoutMs?: number;
  /** Also stream the command's output to this process's stderr as it comes. */
  echo?: boolean;
}

export interface RunResult {
  /** stdout and stderr, interleaved as they arrived. */
  output: string;
  stdout: string;
  ms: number;
}

/** Children started by {@link run} that have not exited yet, so that a Ctrl-C can end them. */
const running = new Set<ChildProcess>();

/** Sends SIGTERM to every command {@link run} started that is still running (by its PID). */
export function killRunning(): void {
  for (const child of running) child.kill("SIGTERM");
}

/**
 * The environment for child commands: this one without the `npm_*` variables that `npm run`
 * sets (`npm_config_local_prefix` and friends would point nested npm commands back at the
 * repository), without nx's per-task variables, and with nx kept quiet and local.
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === "INIT_CWD") continue;
    if (/^NX_(TASK_|WORKSPACE_ROOT|PROJECT_|CLI_SET|LOAD_DOT_ENV|SET_CLI)/.test(key)) continue;
    env[key] = value;
  }
  const merged: NodeJS.ProcessEnv = {
    ...env,
    NX_DAEMON: "false",
    NX_TUI: "false",
    NX_NO_CLOUD: "true",
    FORCE_COLOR: "0",
    NO_COLOR: "1",
    ...extra,
  };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return merged;
}

/** Runs a command without a shell and resolves with its output; rejects with a {@link CommandError}. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const shown = [command, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? childEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    let output = "";
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      stdout += chunk;
      if (options.echo) process.stderr.write(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      if (options.echo) process.stderr.write(chunk);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new CommandError(`${shown}: could not start (${error.message})`, output, null));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const ms = performance.now() - started;
      if (code === 0) return resolve({ output, stdout, ms });
      const why = timedOut
        ? `timed out after ${Math.round(timeoutMs / 1000)} s`
        : signal
          ? `killed by ${signal}`
          : `exited with ${code}`;
      reject(new CommandError(`${shown} (in ${options.cwd}) ${why}`, output, code));
    });
  });
}

/** Removes ANSI colour codes. */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

/** The last `lines` lines of a command's output, without npm's noise, for an error report. */
export function tail(output: string, lines = 40): string {
  return stripAnsi(output)
    .split("\n")
    .filter((line) => !/Unknown user config "nodedir"/.test(line))
    .slice(-lines)
    .join("\n")
    .trimEnd();
}

/** Runs `tasks` with at most `limit` at a time, keeping their order in the result. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
