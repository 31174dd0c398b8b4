/**
 * `npm run bench`: runs the bench modules in order, then writes `tools/bench/results/latest.md`
 * (quick runs: `tools/bench/work/latest-quick.md`) and prints the same markdown to stdout.
 * Progress goes to stderr. Benchmarks assert nothing about time; a module that fails (a broken
 * download, say) is reported and makes the exit code 1.
 *
 * Options, as `--name[=value]` or `BENCH_NAME=value`:
 *   quick                 short run: smaller sizes, fewer rounds (well under a minute)
 *   only=a,b              run only these modules (client-overhead, download, generate, …)
 *   rounds=N              rounds for every module
 *   out=FILE              where to write the markdown
 *   slice-ms=N            client-overhead: time per contender per round
 *   compare-mib=N         download: the size compared with curl (default 1024; quick 128)
 *   sizes-mib=a,b         download: further sizes, ours only (default 64,4096; quick 16,256)
 *   generate-source=S     generate: copy `head` (default; the last commit) or `worktree` (uncommitted changes too)
 *   generate-warmup=N     generate: discarded warm-up rounds (default 1; quick 0)
 *   chunked-upload-mib=N  chunked-upload: the file's size (default 256; quick 32)
 *   page-latency-ms=N     paging: the server's delay per page (default 3)
 *   page-work-ms=N        paging: the consumer's work per page (default: a page's latency, measured)
 *   page-work=wait|cpu    paging: the consumer awaits a timer (default) or spins the CPU
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { arch, cpus, loadavg, platform } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { bulkDownload } from "./benches/bulk-download.js";
import { chunkedUpload } from "./benches/chunked-upload.js";
import { clientOverhead } from "./benches/client-overhead.js";
import { download } from "./benches/download.js";
import { generate } from "./benches/generate.js";
import { paging } from "./benches/paging.js";
import { resumedDownload } from "./benches/resumed-download.js";
import { upload } from "./benches/upload.js";
import { capture } from "./lib/process.js";
import { mergeTables, renderReport } from "./lib/report.js";
import type { BenchContext, BenchModule, Table } from "./lib/types.js";

/** Every benchmark, in the order they run. Add new modules here. */
const BENCHES: BenchModule[] = [
  clientOverhead,
  download,
  resumedDownload,
  bulkDownload,
  upload,
  chunkedUpload,
  paging,
  generate,
];

const BENCH_ROOT = fileURLToPath(new URL("..", import.meta.url));
const REPO_ROOT = join(BENCH_ROOT, "../..");

function option(name: string): string | undefined {
  for (const arg of process.argv.slice(2)) {
    if (arg === `--${name}`) return "1";
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  const fromEnv = process.env[`BENCH_${name.toUpperCase().replace(/-/g, "_")}`];
  return fromEnv === "" ? undefined : fromEnv;
}

function flag(name: string): boolean {
  const value = option(name);
  return value !== undefined && value !== "0" && value !== "false";
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function main(): Promise<number> {
  const quick = flag("quick");
  const only = option("only")
    ?.split(",")
    .map((s) => s.trim());
  const unknown = only?.filter((name) => !BENCHES.some((b) => b.name === name)) ?? [];
  if (unknown.length) {
    log(`unknown module(s) ${unknown.join(", ")}; known: ${BENCHES.map((b) => b.name).join(", ")}`);
    return 2;
  }
  const roundsOverride = option("rounds") === undefined ? undefined : Number(option("rounds"));
  if (roundsOverride !== undefined && !(Number.isInteger(roundsOverride) && roundsOverride > 0)) {
    log(`--rounds must be a positive integer`);
    return 2;
  }
  const out = option("out") ?? join(BENCH_ROOT, quick ? "work/latest-quick.md" : "results/latest.md");
  const selected = BENCHES.filter((b) => !only || only.includes(b.name));

  await mkdir(join(BENCH_ROOT, "work"), { recursive: true });
  const runDir = await mkdtemp(join(BENCH_ROOT, "work", "run-"));
  const cleanup = () => rm(runDir, { recursive: true, force: true });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }

  const loadBefore = loadavg()[0]!;
  const started = performance.now();
  const tables: Table[] = [];
  const failures: string[] = [];
  try {
    for (const bench of selected) {
      const workDir = join(runDir, bench.name);
      await mkdir(workDir, { recursive: true });
      const context: BenchContext = {
        quick,
        workDir,
        rounds: (full, short) => roundsOverride ?? (quick ? short : full),
        option,
        log,
      };
      log(`${bench.name}: start`);
      const moduleStarted = performance.now();
      try {
        tables.push(...(await bench.run(context)));
        log(`${bench.name}: done in ${((performance.now() - moduleStarted) / 1000).toFixed(1)} s`);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`${bench.name}: FAILED\n${message}`);
        failures.push(`${bench.name}: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    }
  } finally {
    await cleanup();
  }
  const seconds = (performance.now() - started) / 1000;

  const cpu = cpus();
  const curl = (await capture("curl", ["--version"]))?.split("\n")[0]?.split(" ").slice(0, 2).join(" ");
  const facts = [
    `Node ${process.version} on ${platform()} ${arch()}, ${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}`,
    curl ?? "curl not found",
    `${quick ? "quick mode (BENCH_QUICK=1)" : "full run"}, benchmarks took ${seconds.toFixed(0)} s`,
    `load average ${loadBefore.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end`,
  ];
  const report = renderReport({ date: new Date().toISOString().replace(/\.\d+Z$/, "Z"), facts }, [
    ...mergeTables(tables),
    ...(failures.length
      ? [
          {
            id: "failures",
            title: "Failed",
            method: ["A module threw; its figures are missing.", "See the log on stderr."] as [
              string,
              string,
            ],
            columns: ["failure"],
            rows: failures.map((failure) => ({ failure })),
          },
        ]
      : []),
  ]);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, report);
  process.stdout.write(report);
  log(`wrote ${relative(REPO_ROOT, out)} (${seconds.toFixed(0)} s)`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
