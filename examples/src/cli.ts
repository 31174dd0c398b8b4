/**
 * The `sciportals` command in the demo: a listing, then a bulk download of every file of a few
 * datasets with the batch's progress display, and the same command again, which finds every file
 * complete and skips it. The binary is the built one, as `npm i -g @sciportals/cli` installs it.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

const manifestPath = createRequire(import.meta.url).resolve("@sciportals/cli/package.json");
const bin = join(dirname(manifestPath), "dist", "cli.mjs");

export interface CliDemoOptions {
  /** Where the downloads go (a folder per dataset is made inside). */
  outDir: string;
  /** The environment the command sees: the portal's base URL and key, as a user would export them. */
  env: Record<string, string>;
  /** `accession/file_id` of the files to fetch. */
  files: string[];
}

/** Runs `sciportals …` with the terminal as its stdout/stderr; resolves with its exit code. */
function sciportals(args: string[], env: Record<string, string>): Promise<number | null> {
  console.log(`$ sciportals ${args.join(" ")}`);
  return new Promise((resolve, reject) =>
    spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: "inherit" })
      .on("error", reject)
      .on("close", resolve),
  );
}

async function expectExit(args: string[], env: Record<string, string>, wanted = 0): Promise<void> {
  const code = await sciportals(args, env);
  if (code !== wanted) throw new Error(`sciportals ${args.join(" ")} exited ${code}, expected ${wanted}`);
}

export async function runCliQuickstart(options: CliDemoOptions): Promise<void> {
  const { env, outDir } = options;
  await expectExit(["stomics", "list-datasets", "--q", "brain", "--per-page", "3", "--output", "table"], env);

  const list = join(outDir, "cli-files.txt");
  await writeFile(list, `${options.files.join("\n")}\n`);
  const download = [
    "stomics",
    "download",
    "--from",
    list,
    "--dir",
    join(outDir, "cli"),
    "--concurrency",
    "4",
  ];
  await expectExit(download, env);
  console.log("Again: every file is complete, so each is skipped without a transfer.");
  await expectExit([...download, "--no-progress"], env);
}
