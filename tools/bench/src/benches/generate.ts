import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSpec } from "@sciportals/codegen/spec";
import { parse } from "yaml";
import { copyRepo, snapshot, snapshotDiff, type CopySource } from "../lib/repo-copy.js";
import { fixed, median, range } from "../lib/stats.js";
import { runTree, type TreeMeasured } from "../lib/tree.js";
import type { BenchContext, BenchModule, Row, Table } from "../lib/types.js";

const REPO_ROOT = fileURLToPath(new URL("../../../..", import.meta.url));
const TARGET = 1.2;
const NX_ENV = { NX_DAEMON: "false", NX_NO_CLOUD: "true", NX_TUI: "false" };

interface Api {
  name: string;
  /** Absolute path of the spec in the copy. */
  spec: string;
}

/** One way of generating the four portals' types, run as one command (and its process tree). */
interface Contender {
  id: "oats" | "oats-each" | "npm" | "nx" | "cli" | "cli-check";
  label: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that mean the command did its job (default: 0). */
  okCodes?: number[];
  /** Throws when the run did not do its job; returns what was checked. */
  verify(measured: TreeMeasured): Promise<string>;
}

interface Sample {
  round: number;
  measured: TreeMeasured;
}

/** The portals in the copy's redocly.yaml, as codegen reads them. */
async function readApis(copy: string): Promise<(Api & { overlay?: string })[]> {
  const config = parse(await readFile(join(copy, "redocly.yaml"), "utf8")) as {
    apis?: Record<string, { root?: string; "x-sciportals-overlay"?: string }>;
  };
  return Object.entries(config.apis ?? {}).map(([name, api]) => {
    const overlay = api["x-sciportals-overlay"];
    return { name, spec: join(copy, api.root ?? ""), ...(overlay ? { overlay: join(copy, overlay) } : {}) };
  });
}

/**
 * What bare openapi-typescript is given: each spec as codegen sees it. A spec curated by an
 * overlay (ODM: Genestack's published definition, which openapi-typescript's own lint refuses as
 * published) is bundled and overlaid once, untimed, into `dir`; the others are read as they are.
 */
async function oatsInputs(apis: readonly (Api & { overlay?: string })[], dir: string): Promise<Api[]> {
  await mkdir(dir, { recursive: true });
  return Promise.all(
    apis.map(async (api) => {
      if (!api.overlay) return { name: api.name, spec: api.spec };
      const loaded = await loadSpec(api.spec, { overlay: api.overlay });
      const spec = join(dir, `${api.name}.json`);
      await writeFile(spec, JSON.stringify(loaded.document));
      return { name: api.name, spec };
    }),
  );
}

/**
 * openapi-typescript's own multi-schema config: one `apis` entry per spec with its output, no
 * lint rules beyond `minimal` (codegen calls openapiTS without a Redocly config, which is the same).
 */
function oatsConfig(apis: readonly Api[], outDir: string): string {
  const lines = ["extends:", "  - minimal", "apis:"];
  for (const api of apis) {
    lines.push(`  ${api.name}:`, `    root: ${JSON.stringify(api.spec)}`, "    x-openapi-ts:");
    lines.push(`      output: ${JSON.stringify(join(outDir, `${api.name}.ts`))}`);
  }
  return `${lines.join("\n")}\n`;
}

async function checkOutputs(outDir: string, apis: readonly Api[]): Promise<string> {
  for (const api of apis) {
    const size = (await stat(join(outDir, `${api.name}.ts`)).catch(() => undefined))?.size ?? 0;
    if (size === 0) throw new Error(`openapi-typescript wrote nothing for ${api.name}`);
  }
  return `${apis.length} files written`;
}

function failure(contender: Contender, measured: TreeMeasured): Error {
  process.stderr.write(measured.stderr.slice(-4000));
  const reason = (measured.stderr || measured.stdout).trim().split("\n").pop() ?? "no output";
  return new Error(`${contender.id} exited with ${measured.code ?? measured.signal}: ${reason}`);
}

/** The contenders, baseline first. Everything runs in `copy`, so the real tree is never written. */
async function contenders(
  copy: string,
  workDir: string,
  apis: readonly Api[],
  oatsApis: readonly Api[],
): Promise<Contender[]> {
  const bin = (name: string) => join(copy, "node_modules/.bin", name);
  const oatsDir = join(workDir, "oats");
  await mkdir(oatsDir, { recursive: true });
  const config = join(oatsDir, "redocly.yaml");
  await writeFile(config, oatsConfig(oatsApis, join(oatsDir, "multi")));
  // codegen's outputs as committed: a run over an unchanged spec must leave them byte for byte.
  const owned = apis.flatMap((api) => [
    `packages/${api.name}/src/generated`,
    `packages/${api.name}/README.md`,
  ]);
  const committed = await snapshot(copy, owned);
  // If the commit left its generated files stale, the first run rewrites them: still measured,
  // and every later run must then give the same bytes again (codegen is deterministic).
  let reference = committed;
  let stale: string[] = [];
  const unchanged = async () => {
    const after = await snapshot(copy, owned);
    const drift = snapshotDiff(reference, after);
    if (drift.length && reference === committed) [reference, stale] = [after, drift];
    else if (drift.length) throw new Error(`codegen is not deterministic: ${drift.join(", ")}`);
    return stale.length
      ? `same bytes every run; ${stale.length} file(s) differ from the commit: ${stale.join(", ")}`
      : `generated files unchanged (${committed.size} compared)`;
  };
  // A folder with no redocly.yaml, so that per-spec runs get openapi-typescript's default config.
  const eachDir = join(oatsDir, "each");
  await mkdir(eachDir, { recursive: true });
  const eachArgs = oatsApis.flatMap((api) => [api.spec, join(eachDir, `${api.name}.ts`)]);
  return [
    {
      id: "oats",
      label: "A: openapi-typescript, one command over the 4 specs (`--redocly` with `apis`)",
      command: bin("openapi-typescript"),
      args: ["--redocly", config],
      cwd: oatsDir,
      verify: () => checkOutputs(join(oatsDir, "multi"), apis),
    },
    {
      id: "oats-each",
      label: "A′: openapi-typescript `<spec> -o <file>`, 4 commands one after another",
      command: "sh",
      args: [
        "-c",
        'set -e; bin=$1; shift; while [ $# -gt 0 ]; do "$bin" "$1" -o "$2"; shift 2; done',
        "sh",
        bin("openapi-typescript"),
        ...eachArgs,
      ],
      cwd: eachDir,
      verify: () => checkOutputs(eachDir, apis),
    },
    {
      id: "npm",
      label: "B: `npm run generate` (what a maintainer runs)",
      command: "npm",
      args: ["run", "generate"],
      cwd: copy,
      env: { ...process.env, ...NX_ENV },
      verify: unchanged,
    },
    {
      id: "nx",
      label: "B″: `nx run-many -t generate --skip-nx-cache` (one nx task per portal, as builds run it)",
      command: bin("nx"),
      args: ["run-many", "-t", "generate", "--skip-nx-cache"],
      cwd: copy,
      env: { ...process.env, ...NX_ENV },
      verify: unchanged,
    },
    {
      id: "cli",
      label: "C: `tsx codegen/src/cli.ts` (all portals, one process, through the tsx launcher)",
      command: bin("tsx"),
      args: ["codegen/src/cli.ts"],
      cwd: copy,
      verify: unchanged,
    },
    {
      id: "cli-check",
      label: "C′: `tsx codegen/src/cli.ts --check`",
      command: bin("tsx"),
      args: ["codegen/src/cli.ts", "--check"],
      cwd: copy,
      // Exit 1 is its answer when the commit's generated files are stale, not a failure.
      okCodes: [0, 1],
      verify: async (measured) =>
        measured.code === 0 ? "exit 0 (up to date)" : "exit 1: the commit's generated files are stale",
    },
  ];
}

async function runOne(contender: Contender, workDir: string): Promise<[TreeMeasured, string]> {
  if (contender.id.startsWith("oats")) {
    // Fresh outputs every run, so openapi-typescript always writes.
    await rm(join(workDir, "oats", contender.id === "oats" ? "multi" : "each"), {
      recursive: true,
      force: true,
    });
    await mkdir(join(workDir, "oats", "each"), { recursive: true });
  }
  const measured = await runTree(contender.command, contender.args, {
    cwd: contender.cwd,
    env: contender.env,
    timeFile: join(workDir, `time-${contender.id}.txt`),
  });
  if (!(contender.okCodes ?? [0]).includes(measured.code ?? -1)) throw failure(contender, measured);
  return [measured, await contender.verify(measured)];
}

const mib = (kib: number | undefined) => (kib === undefined ? NaN : kib / 1024);
const seconds = (ms: number) => fixed(ms / 1000, 2);

function summaryRows(
  all: readonly Contender[],
  samples: Map<string, Sample[]>,
  verified: Map<string, string>,
): Row[] {
  const base = samples.get("oats")!;
  const baseEach = samples.get("oats-each")!;
  const ratio = (id: string, of: (s: Sample) => number, by: Sample[]) =>
    median(samples.get(id)!.map((s) => of(s) / of(by.find((b) => b.round === s.round)!)));
  return all.map(({ id, label }) => {
    const runs = samples.get(id)!;
    const wall = runs.map((s) => s.measured.wallMs);
    const tree = runs.map((s) => mib(s.measured.treePeakKiB));
    return {
      contender: label,
      "wall s (median)": seconds(median(wall)),
      "wall s (min–max)": range(wall, (v) => seconds(v)),
      "÷ A wall": fixed(ratio(id, (s) => s.measured.wallMs, base)),
      "÷ A′ wall": fixed(ratio(id, (s) => s.measured.wallMs, baseEach)),
      "CPU s (median)": fixed(median(runs.map((s) => s.measured.cpuSeconds ?? NaN)), 1),
      // CPU time suffers less than wall time from a loaded machine, and counts nx's parallel tasks.
      "÷ A CPU": fixed(ratio(id, (s) => s.measured.cpuSeconds ?? NaN, base)),
      "peak RSS MiB, largest process": fixed(median(runs.map((s) => mib(s.measured.largestPeakKiB))), 0),
      "peak RSS MiB, whole tree": fixed(median(tree), 0),
      "÷ A tree RSS": fixed(ratio(id, (s) => s.measured.treePeakKiB ?? NaN, base)),
      "processes (max alive)": String(Math.max(...runs.map((s) => s.measured.maxProcesses))),
      verified: verified.get(id) ?? "",
    };
  });
}

function roundRows(rounds: number, samples: Map<string, Sample[]>): Row[] {
  const wall = (id: string, round: number) =>
    samples.get(id)!.find((s) => s.round === round)!.measured.wallMs;
  const rows: Row[] = [];
  for (let round = 1; round <= rounds; round++) {
    const a = wall("oats", round);
    rows.push({
      round: String(round),
      "A s": seconds(a),
      "A′ s": seconds(wall("oats-each", round)),
      "B s": seconds(wall("npm", round)),
      "C s": seconds(wall("cli", round)),
      "C′ s": seconds(wall("cli-check", round)),
      "B ÷ A": fixed(wall("npm", round) / a),
      "C ÷ A": fixed(wall("cli", round) / a),
      "B ÷ A′": fixed(wall("npm", round) / wall("oats-each", round)),
      "C ÷ A′": fixed(wall("cli", round) / wall("oats-each", round)),
    });
  }
  return rows;
}

function targetNote(samples: Map<string, Sample[]>, id: string, base: string, name: string): string {
  const ratios = samples
    .get(id)!
    .map((s) => s.measured.wallMs / samples.get(base)!.find((b) => b.round === s.round)!.measured.wallMs);
  const value = median(ratios);
  return `${name}: ${fixed(value)}× (${value <= TARGET ? "met" : "missed"})`;
}

/**
 * Codegen against bare openapi-typescript over the same specs (issue 11's target: `npm run
 * generate` without cache within 1.2× of the bare CLI), all in a copy of the repository so that
 * the real tree is never written: the contenders alternate, order rotated each round.
 */
export const generate: BenchModule = {
  name: "generate",
  async run(context: BenchContext): Promise<Table[]> {
    const rounds = context.rounds(3, 1);
    const warmups = Number(context.option("generate-warmup") ?? (context.quick ? 0 : 1));
    const source = (context.option("generate-source") ?? "head") as CopySource;
    if (source !== "head" && source !== "worktree")
      throw new Error(`--generate-source must be head or worktree`);
    const copy = join(context.workDir, "repo");
    context.log(`generate: copying the repository (${source})`);
    const copied = await copyRepo(REPO_ROOT, copy, source);
    const apis = await readApis(copy);
    const oatsApis = await oatsInputs(apis, join(context.workDir, "oats-specs"));
    const all = await contenders(copy, context.workDir, apis, oatsApis);

    const samples = new Map<string, Sample[]>(all.map((c) => [c.id, []]));
    const verified = new Map<string, string>();
    for (let round = 1 - warmups; round <= rounds; round++) {
      // Rotate who goes first, so that no contender always follows the same one.
      const offset = (((round - 1) % all.length) + all.length) % all.length;
      const order = [...all.slice(offset), ...all.slice(0, offset)];
      for (const contender of order) {
        const [measured, checked] = await runOne(contender, context.workDir);
        const label = round < 1 ? "warm-up" : `round ${round}/${rounds}`;
        context.log(`generate: ${label} ${contender.id} ${seconds(measured.wallMs)} s`);
        if (round < 1) continue;
        samples.get(contender.id)!.push({ round, measured });
        verified.set(contender.id, checked);
      }
    }

    const same = await Promise.all(
      apis.map(async (api) => {
        const multi = await readFile(join(context.workDir, "oats/multi", `${api.name}.ts`));
        const each = await readFile(join(context.workDir, "oats/each", `${api.name}.ts`));
        return multi.equals(each);
      }),
    );
    const nxJson = JSON.parse(await readFile(join(copy, "nx.json"), "utf8")) as { parallel?: number };
    return [
      {
        id: "generate",
        title: `Codegen against bare openapi-typescript, ${apis.length} specs (${rounds} rounds)`,
        method: [
          `In a copy of ${copied} with node_modules linked (the real tree is never written); specs: ${apis.map((a) => a.name).join(", ")}. ` +
            `Each command whole, spawn to exit; ${warmups} warm-up round(s) discarded; order rotated each round; ratios per round, then the median.`,
          "Peak RSS: the largest single process by /usr/bin/time (%M), and the whole tree as the peak of the summed VmRSS " +
            `of every descendant, polled every 20 ms. nx with ${Object.entries(NX_ENV)
              .map(([k, v]) => `${k}=${v}`)
              .join(" ")}, parallel ${nxJson.parallel ?? "default"} (nx.json).`,
        ],
        columns: [
          "contender",
          "wall s (median)",
          "wall s (min–max)",
          "÷ A wall",
          "÷ A′ wall",
          "CPU s (median)",
          "÷ A CPU",
          "peak RSS MiB, largest process",
          "peak RSS MiB, whole tree",
          "÷ A tree RSS",
          "processes (max alive)",
          "verified",
        ],
        rows: summaryRows(all, samples, verified),
        notes: [
          `Target: \`npm run generate\` without cache within ${TARGET}× of bare openapi-typescript (wall). ` +
            `${targetNote(samples, "npm", "oats", "B ÷ A")}; ${targetNote(samples, "npm", "oats-each", "B ÷ A′")}; ` +
            `${targetNote(samples, "cli", "oats", "C ÷ A")}; ${targetNote(samples, "cli", "oats-each", "C ÷ A′")}.`,
          "A is the baseline: openapi-typescript's own way to generate several specs in one command, one process like C. " +
            "A′ (one process per spec, as nx runs codegen) pays node start-up and imports four times.",
          `A and A′ wrote ${same.every(Boolean) ? "byte-identical" : "DIFFERENT"} files. Neither formats with Prettier; codegen also emits models, operations and a client.`,
        ],
      },
      {
        id: "generate-rounds",
        title: "Codegen against bare openapi-typescript: every round",
        method: [
          "Wall seconds per contender and the ratios within each round.",
          "A, A′, B, C, C′ as in the table above.",
        ],
        columns: ["round", "A s", "A′ s", "B s", "C s", "C′ s", "B ÷ A", "C ÷ A", "B ÷ A′", "C ÷ A′"],
        rows: roundRows(rounds, samples),
      },
    ];
  },
};
