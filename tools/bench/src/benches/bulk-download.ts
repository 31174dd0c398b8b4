import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { startStomicsSandbox, type StomicsSandbox } from "@sciportals/sandbox";
import { createStomicsClient } from "@sciportals/stomics";
import { capture, rssMethod, runMeasured, type Measured } from "../lib/process.js";
import { fixed, int, median, MiB, range } from "../lib/stats.js";
import type { BenchContext, BenchModule, Row, Table } from "../lib/types.js";

/** The built CLI, as `npm run bench` builds it (tag `cli`). */
const CLI = fileURLToPath(new URL("../../../../packages/cli/dist/cli.mjs", import.meta.url));

/**
 * What runs: the CLI quiet, the CLI with its plain-line progress (stderr is a pipe), curl, and
 * `sciportals --version` (the CLI's start-up alone, to read the others against).
 */
type Contender = "cli" | "cli-progress" | "curl" | "startup";

interface Sample {
  /** Spawn to exit: the whole command, as a user waits for it. */
  wallMs: number;
  cpuSeconds: number | undefined;
  peakRssKiB: number | undefined;
}

interface BulkFile {
  id: number;
  name: string;
}

/**
 * Bulk download, issue 14: `sciportals stomics download --list list-dataset-files --concurrency N`
 * (the real binary) against `curl --parallel --parallel-max N` over the same files from the same
 * sandbox, whole commands timed, peak RSS by /usr/bin/time. curl is handed the pre-signed URLs
 * (asked for by this process, untimed), as a script would after listing them; the CLI lists the
 * dataset and asks for each URL itself, inside its time.
 */
async function run(context: BenchContext): Promise<Table[]> {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: build the CLI first (npm run bench builds it)`);
  }
  const curlVersion = (await capture("curl", ["--version"]))
    ?.split("\n")[0]
    ?.split(" ")
    .slice(0, 2)
    .join(" ");
  if (!curlVersion) throw new Error("curl is not installed; the bulk-download bench compares against it");
  const count = Number(context.option("bulk-files") ?? (context.quick ? 16 : 64));
  const fileBytes = Number(context.option("bulk-mib") ?? (context.quick ? 4 : 16)) * MiB;
  const concurrency = Number(context.option("bulk-concurrency") ?? 8);
  for (const [name, value] of Object.entries({ count, fileBytes, concurrency })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`bulk-download: bad ${name} ${value}`);
  }
  const rounds = context.rounds(5, 2);
  const contenders: Contender[] = ["cli", "curl", "cli-progress", "startup"];

  const sandbox = await startStomicsSandbox({
    datasets: 1,
    bigFileBytes: 1024,
    bulkFiles: { count, bytes: fileBytes },
  });
  const dataset = sandbox.catalog.at(-1)!;
  const files: BulkFile[] = dataset.files.map((f) => ({ id: f.id, name: f.filename }));
  const shas = new Map<number, string>();
  const expectedSha = (id: number) => {
    let sha = shas.get(id);
    if (!sha) shas.set(id, (sha = sandbox.fileContent(id).sha256()));
    return sha;
  };
  const dir = join(context.workDir, "files");
  const previous = join(context.workDir, "previous");
  const samples: Record<Contender, Sample[]> = { cli: [], "cli-progress": [], curl: [], startup: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      const shift = round % contenders.length;
      for (const who of [...contenders.slice(shift), ...contenders.slice(0, shift)]) {
        await rm(dir, { recursive: true, force: true });
        if (who === "startup") {
          const measured = await runMeasured(process.execPath, [CLI, "--version"], {
            rssFile: join(context.workDir, "peak-rss.txt"),
          });
          if (measured.code !== 0) fail(who, measured);
          samples.startup.push({
            wallMs: measured.processMs,
            cpuSeconds: measured.cpuSeconds,
            peakRssKiB: measured.peakRssKiB,
          });
          continue;
        }
        const measured =
          who === "curl"
            ? await curl(context, sandbox, files, dir, concurrency, previous)
            : await cli(context, sandbox, dataset.accession, dir, concurrency, who === "cli", previous);
        if (measured.code !== 0) fail(who, measured);
        const where = who === "curl" ? dir : join(dir, dataset.accession);
        await verify(where, files, fileBytes, expectedSha);
        // Kept until the next command starts, so each one finds the page cache alike (see download.ts).
        await rename(dir, previous);
        samples[who].push({
          wallMs: measured.processMs,
          cpuSeconds: measured.cpuSeconds,
          peakRssKiB: measured.peakRssKiB,
        });
        const mibs = (count * fileBytes) / MiB / (measured.processMs / 1000);
        context.log(
          `bulk-download: round ${round + 1}/${rounds} ${who} ${fixed(mibs, 0)} MiB/s, ` +
            `peak RSS ${fixed((measured.peakRssKiB ?? NaN) / 1024, 1)} MiB`,
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(previous, { recursive: true, force: true });
    await sandbox.close();
  }

  const totalMiB = (count * fileBytes) / MiB;
  // Per round: curl's wall time over ours, i.e. our throughput as a fraction of curl's.
  const vsCurl = (mine: Sample[]) => mine.map((s, i) => samples.curl[i]!.wallMs / s.wallMs);
  const row = (name: string, mine: Sample[], ratio?: number[]): Row => {
    const walls = mine.map((s) => s.wallMs / 1000);
    const rss = mine.map((s) => (s.peakRssKiB ?? NaN) / 1024);
    return {
      command: name,
      files: `${count} × ${fileBytes / MiB} MiB`,
      rounds: String(mine.length),
      "wall s (median)": fixed(median(walls)),
      "wall s (min–max)": range(walls, (v) => fixed(v)),
      "MiB/s (median)": int(totalMiB / median(walls)),
      "÷ curl throughput (median, min–max)": ratio
        ? `${fixed(median(ratio))} (${range(ratio, (v) => fixed(v))})`
        : "",
      "CPU s": fixed(median(mine.map((s) => s.cpuSeconds ?? NaN))),
      "peak RSS MiB (median, max)": `${fixed(median(rss), 1)} (${fixed(Math.max(...rss), 1)})`,
    };
  };
  const quiet = median(vsCurl(samples.cli));
  const shown = median(vsCurl(samples["cli-progress"]));
  const peak = Math.max(
    ...[...samples.cli, ...samples["cli-progress"]].map((s) => (s.peakRssKiB ?? NaN) / 1024),
  );
  const base = `sciportals stomics download --list list-dataset-files --param accession=… --concurrency ${concurrency}`;
  return [
    {
      id: "bulk-download",
      title: `Bulk download: ${count} files of ${fileBytes / MiB} MiB, ${concurrency} at a time (STOmics sandbox, loopback)`,
      method: [
        `Each command in its own process, timed spawn to exit (node start-up, the listing and ${count} URL requests included for the CLI; curl gets the pre-signed URLs from the parent, untimed), CPU and peak RSS by ${rssMethod}.`,
        `${rounds} rounds rotating who goes first, ratios per round; every file checked (size, sha256) and deleted right before the next command starts.`,
      ],
      columns: Object.keys(row("", samples.cli)),
      rows: [
        row(`ours: \`${base} --no-progress\``, samples.cli, vsCurl(samples.cli)),
        row(
          `ours, progress on a pipe (plain lines): \`${base}\``,
          samples["cli-progress"],
          vsCurl(samples["cli-progress"]),
        ),
        row(`${curlVersion}: \`curl --parallel --parallel-max ${concurrency} -K urls\``, samples.curl),
        {
          ...row("diagnostic: `sciportals --version` (start-up alone)", samples.startup),
          files: "",
          "MiB/s (median)": "",
        },
      ],
      notes: [
        `Target: ours >= 0.95 of curl's throughput: ${quiet >= 0.95 ? "met" : "missed"} with --no-progress (${fixed(quiet, 3)}), ` +
          `${shown >= 0.95 ? "met" : "missed"} with progress lines (${fixed(shown, 3)}).`,
        `Target: the CLI's peak RSS < 150 MiB: ${peak < 150 ? "met" : "missed"} (${fixed(peak, 1)} MiB at most).`,
      ],
    },
  ];
}

/** The CLI on the bulk dataset, `--dir dir`: the files land in `dir/<accession>/`. */
async function cli(
  context: BenchContext,
  sandbox: StomicsSandbox,
  accession: string,
  dir: string,
  concurrency: number,
  quiet: boolean,
  previous: string,
): Promise<Measured> {
  const args = [
    CLI,
    "stomics",
    "download",
    "--list",
    "list-dataset-files",
    "--param",
    `accession=${accession}`,
    "--dir",
    dir,
    "--concurrency",
    String(concurrency),
    "--base-url",
    sandbox.url,
    "--token",
    sandbox.apiKey,
    ...(quiet ? ["--no-progress"] : []),
  ];
  await rm(previous, { recursive: true, force: true });
  return runMeasured(process.execPath, args, { rssFile: join(context.workDir, "peak-rss.txt") });
}

/** curl over pre-signed URLs, `--parallel-max concurrency`, from a config file (no argv limit). */
async function curl(
  context: BenchContext,
  sandbox: StomicsSandbox,
  files: readonly BulkFile[],
  dir: string,
  concurrency: number,
  previous: string,
): Promise<Measured> {
  const api = createStomicsClient({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, env: false });
  const accession = sandbox.catalog.at(-1)!.accession;
  const lines: string[] = [];
  for (const file of files) {
    const { url } = await api.getDatasetFileDownloadUrl({ path: { accession, file_id: file.id } });
    lines.push(`url = "${url}"`, `output = "${join(dir, file.name)}"`);
  }
  await mkdir(dir, { recursive: true });
  const config = join(context.workDir, "curl-urls.txt");
  await writeFile(config, `${lines.join("\n")}\n`);
  await rm(previous, { recursive: true, force: true });
  return runMeasured(
    "curl",
    ["--parallel", "--parallel-max", String(concurrency), "-sS", "--fail", "-K", config],
    { rssFile: join(context.workDir, "peak-rss.txt") },
  );
}

/** Every file there, at its size and with the sandbox's sha256, and nothing else but the CLI's record. */
async function verify(
  where: string,
  files: readonly BulkFile[],
  bytes: number,
  expectedSha: (id: number) => string,
): Promise<void> {
  const names = (await readdir(where)).filter((name) => name !== ".sciportals-downloads.json").sort();
  const wanted = files.map((f) => f.name).sort();
  if (names.join("\n") !== wanted.join("\n")) {
    throw new Error(`${where} holds ${names.length} files, expected ${wanted.length}`);
  }
  for (const file of files) {
    const path = join(where, file.name);
    const size = (await stat(path)).size;
    if (size !== bytes) throw new Error(`${path} has ${size} bytes, expected ${bytes}`);
    const hash = createHash("sha256");
    await pipeline(createReadStream(path, { highWaterMark: MiB }), hash);
    if (hash.digest("hex") !== expectedSha(file.id)) throw new Error(`${path}: wrong sha256`);
  }
}

function fail(who: string, measured: Measured): never {
  process.stderr.write(measured.stderr);
  const reason = measured.stderr.split("\n").find(Boolean) ?? measured.stdout.trim();
  throw new Error(`${who} failed (exit ${measured.code ?? measured.signal}): ${reason}`);
}

export const bulkDownload: BenchModule = { name: "bulk-download", run };
