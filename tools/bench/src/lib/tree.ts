import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";

const GNU_TIME = "/usr/bin/time";
/** Poll interval for the process tree: often enough to catch a short peak, rarely enough to cost little CPU. */
const POLL_MS = 20;

/** A command run to completion with its whole process tree measured. */
export interface TreeMeasured {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Spawn to exit, as the parent saw it. */
  wallMs: number;
  /**
   * Peak of the summed VmRSS of every process in the tree, polled every 20 ms. Shared pages
   * (node's own code in each process) count once per process, as `ps` would add them up.
   */
  treePeakKiB: number | undefined;
  /** The most processes seen alive at once in the tree (the command included). */
  maxProcesses: number;
  /** Peak RSS of the largest single process: GNU time's %M (all reaped descendants), else polled VmHWM. */
  largestPeakKiB: number | undefined;
  /** User + system CPU seconds of the whole tree (GNU time only: it counts reaped descendants). */
  cpuSeconds: number | undefined;
}

function readStatus(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
    const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(text);
    return rss ? { rss: Number(rss[1]), hwm: hwm ? Number(hwm[1]) : Number(rss[1]) } : undefined;
  } catch {
    return undefined; // exited between listing and reading, or a kernel thread
  }
}

function childrenOf(pid: number): number[] {
  const pids: number[] = [];
  try {
    // Any thread can be a parent (a worker thread may spawn), so read every task's list.
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ")) {
        if (child.trim()) pids.push(Number(child));
      }
    }
  } catch {
    // gone already
  }
  return pids;
}

/** The pids of `root` and all its descendants alive now. */
export function processTree(root: number): number[] {
  const seen: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    seen.push(pid);
    queue.push(...childrenOf(pid));
  }
  return seen;
}

/**
 * Runs a command to completion and measures its whole process tree (a tool that spawns workers
 * or one child per task is charged for them): wall time, peak summed RSS by polling /proc,
 * and, with `/usr/bin/time`, CPU time and the largest single process's peak RSS.
 */
export async function runTree(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeFile: string },
): Promise<TreeMeasured> {
  const useTime = existsSync(GNU_TIME);
  const argv = useTime
    ? [GNU_TIME, "-f", "%M %U %S", "-o", options.timeFile, command, ...args]
    : [command, ...args];
  const started = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));

  let treePeak: number | undefined;
  let largestPolled: number | undefined;
  let maxProcesses = 0;
  const hwmByPid = new Map<number, number>();
  const poll = setInterval(() => {
    if (child.pid === undefined) return;
    const pids = processTree(child.pid);
    let sum = 0;
    for (const pid of pids) {
      const status = readStatus(pid);
      if (!status) continue;
      sum += status.rss;
      hwmByPid.set(pid, Math.max(hwmByPid.get(pid) ?? 0, status.hwm));
    }
    maxProcesses = Math.max(maxProcesses, pids.length);
    treePeak = Math.max(treePeak ?? 0, sum);
    largestPolled = Math.max(0, ...hwmByPid.values());
  }, POLL_MS);

  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c, s) => resolve([c, s]));
  });
  const wallMs = performance.now() - started;
  clearInterval(poll);

  let largestPeakKiB = largestPolled;
  let cpuSeconds: number | undefined;
  if (useTime) {
    const text = await readFile(options.timeFile, "utf8").catch(() => "");
    await rm(options.timeFile, { force: true });
    // GNU time writes "Command exited with non-zero status N" first when the command fails.
    const match = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(text.trim().split("\n").pop() ?? "");
    if (match) {
      largestPeakKiB = Number(match[1]);
      cpuSeconds = Number(match[2]) + Number(match[3]);
    }
  }
  return {
    code,
    signal,
    stdout,
    stderr,
    wallMs,
    treePeakKiB: treePeak,
    maxProcesses,
    largestPeakKiB,
    cpuSeconds,
  };
}
