import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";

const GNU_TIME = "/usr/bin/time";

export interface Measured {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Spawn to exit, as the parent saw it (includes process start-up). */
  processMs: number;
  /** Peak resident set of the command, in KiB; undefined when it could not be read. */
  peakRssKiB: number | undefined;
  /** How the peak was read. */
  rssSource: "/usr/bin/time" | "VmHWM" | "none";
  /** User + system CPU seconds of the whole process (GNU time only). */
  cpuSeconds: number | undefined;
}

/** How a command's peak RSS is measured here: GNU time when installed, else polling /proc. */
export const rssMethod = existsSync(GNU_TIME) ? "/usr/bin/time" : "polling VmHWM in /proc/<pid>/status";

/**
 * Runs a command to completion and measures its peak RSS (and CPU time): with `/usr/bin/time`
 * when it is installed, else by polling `VmHWM` in `/proc/<pid>/status` until it exits.
 */
export async function runMeasured(
  command: string,
  args: readonly string[],
  options: {
    cwd?: string;
    rssFile: string;
    /**
     * Called for each line the command prints; what it resolves to (plus a newline) is written to
     * the command's stdin. Without it, stdin is closed at once.
     */
    onLine?: (line: string) => Promise<string | undefined>;
  },
): Promise<Measured> {
  const useTime = existsSync(GNU_TIME);
  const argv = useTime
    ? [GNU_TIME, "-f", "%M %U %S", "-o", options.rssFile, command, ...args]
    : [command, ...args];
  const started = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let pending = "";
  let replies = Promise.resolve();
  let handlerError: unknown;
  const onLine = options.onLine;
  if (!onLine) child.stdin.end();
  child.stdin.on("error", () => {}); // the command may exit without reading
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    if (!onLine) return;
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      // One line at a time, in order; a failing handler kills the command.
      replies = replies
        .then(() => onLine(line))
        .then(
          (reply) => void (reply !== undefined && child.stdin.write(`${reply}\n`)),
          (error: unknown) => {
            handlerError ??= error;
            child.stdin.end(); // a command waiting for a reply sees EOF and gives up
            child.kill();
          },
        );
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));

  let polled: number | undefined;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        const hwm = readVmHwm(child.pid);
        if (hwm !== undefined) polled = Math.max(polled ?? 0, hwm);
      }, 5);

  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c, s) => resolve([c, s]));
  });
  const processMs = performance.now() - started;
  if (poll) clearInterval(poll);
  await replies;
  if (handlerError !== undefined) throw handlerError;

  let peakRssKiB: number | undefined = polled;
  let rssSource: Measured["rssSource"] = polled === undefined ? "none" : "VmHWM";
  let cpuSeconds: number | undefined;
  if (useTime) {
    const text = await readFile(options.rssFile, "utf8").catch(() => "");
    await rm(options.rssFile, { force: true });
    // GNU time writes "Command exited with non-zero status N" first when the command fails.
    const match = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(text.trim().split("\n").pop() ?? "");
    peakRssKiB = match ? Number(match[1]) : undefined;
    cpuSeconds = match ? Number(match[2]) + Number(match[3]) : undefined;
    rssSource = peakRssKiB === undefined ? "none" : "/usr/bin/time";
  }
  return { code, signal, stdout, stderr, processMs, peakRssKiB, rssSource, cpuSeconds };
}

function readVmHwm(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined; // gone already
  }
}

/** Runs a command and returns its stdout, or undefined when it cannot run. */
export async function capture(command: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.once("error", () => resolve(undefined));
    child.once("close", (code) => resolve(code === 0 ? out : undefined));
  });
}
