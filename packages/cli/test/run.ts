import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The built binary: tests run what users install. */
export const bin = join(__dirname, "../dist/cli.mjs");

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh HOME and XDG_CONFIG_HOME, so no test sees a real token file or another test's. */
export function tempHome(): { HOME: string; XDG_CONFIG_HOME: string } {
  const home = mkdtempSync(join(tmpdir(), "sciportals-cli-"));
  return { HOME: home, XDG_CONFIG_HOME: join(home, "xdg") };
}

/**
 * Runs the binary asynchronously (the sandbox serves from this process, so a synchronous spawn
 * would deadlock), with only the environment given: no credential variable leaks in.
 */
export function run(args: string[], env: Record<string, string>, stdin?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}
