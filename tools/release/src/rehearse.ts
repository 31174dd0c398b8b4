/**
 * `npm run release:rehearse`: a release, end to end, against a throwaway local registry.
 *
 * In a temp copy of the working tree (the repository itself is never written to): install,
 * add a patch changeset for every public package, `npm run release:version`, build, attw and
 * publint on every public package, `npm run release:publish -- --no-git-tag` into verdaccio on
 * 127.0.0.1, then install only `@sciportals/stomics` in a scratch consumer and check what it got,
 * ESM import, CJS require and a strict type-check; then install the `sciportals` command
 * globally and through npx and run it. The registry is always stopped and the temp
 * folder removed (keep it with `--keep`).
 *
 * Options: `--keep` keep the temp folder; `--clean-install` use `npm ci` instead of copying
 * node_modules; `--verbose` stream every command's output.
 */
import { mkdtemp, readFile, rm, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CLI_PACKAGE, checkCliInstalls } from "./cli-install.js";
import { checkInstalledPackages, installConsumer, runConsumerChecks } from "./consumer.js";
import { checkPackages, type PackageCheckResult } from "./package-checks.js";
import { CommandError, childEnv, killRunning, run, tail } from "./proc.js";
import { startRegistry, type LocalRegistry } from "./registry.js";
import { copyWorkingTree, installDependencies, listWorkspaces, type Workspace } from "./workspace.js";

/** The package a consumer installs, and what it must bring with it (nothing of the other portals). */
const CONSUMER_PACKAGE = "@sciportals/stomics";
const CORE_PACKAGE = "@sciportals/core";
const SCOPE = "@sciportals";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const argv = new Set(process.argv.slice(2));
for (const arg of argv) {
  if (!["--keep", "--clean-install", "--verbose"].includes(arg)) {
    console.error(`release:rehearse: unknown option ${arg} (known: --keep, --clean-install, --verbose)`);
    process.exit(2);
  }
}
const verbose = argv.has("--verbose");

class StepFailure extends Error {
  constructor(
    readonly step: string,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

const timings: { step: string; ms: number; ok: boolean }[] = [];
const started = performance.now();
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs one step: prints it, times it, and turns any error into a {@link StepFailure} naming the step. */
async function step<T>(
  name: string,
  body: () => Promise<T>,
  describe?: (value: T) => string | string[],
): Promise<T> {
  process.stdout.write(`▶ ${name}\n`);
  const t0 = performance.now();
  try {
    const value = await body();
    const ms = performance.now() - t0;
    timings.push({ step: name, ms, ok: true });
    const lines = describe ? [describe(value)].flat() : [];
    process.stdout.write(`✔ ${name} (${seconds(ms)})\n${lines.map((l) => `    ${l}\n`).join("")}`);
    return value;
  } catch (error) {
    const ms = performance.now() - t0;
    timings.push({ step: name, ms, ok: false });
    process.stdout.write(`✖ ${name} (${seconds(ms)})\n`);
    if (error instanceof StepFailure) throw error;
    if (error instanceof CommandError) throw new StepFailure(name, error.message, tail(error.output));
    throw new StepFailure(name, error instanceof Error ? error.message : String(error));
  }
}

/** Runs a command in the copy, streaming its output with --verbose. */
const sh = (cwd: string, command: string, args: string[], timeoutMs?: number) =>
  run(command, args, { cwd, env: childEnv(), echo: verbose, ...(timeoutMs ? { timeoutMs } : {}) });

let registry: LocalRegistry | undefined;
let work: string | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    killRunning();
    if (registry) {
      const t0 = performance.now();
      await registry.stop();
      process.stdout.write(`■ registry stopped (${seconds(performance.now() - t0)})\n`);
    }
    if (work) {
      if (argv.has("--keep")) process.stdout.write(`■ kept ${work}\n`);
      else await rm(work, { recursive: true, force: true });
    }
  })();
  return cleaning;
}

// A persistent handler, not `once`: tsx relays the signal to this process a second time when it
// misses the first report, and a second signal with no handler left would exit mid-cleanup.
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    process.stdout.write(
      `\n✖ interrupted by ${signal}: stopping the registry and removing the temp folder\n`,
    );
    void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}

async function main(): Promise<void> {
  work = await mkdtemp(join(tmpdir(), "sciportals-rehearsal-"));
  const copy = join(work, "repo");
  const consumerDir = join(work, "consumer");
  process.stdout.write(`release rehearsal of ${repoRoot}\n  in ${work}\n`);

  await step(
    "copy the working tree",
    () => copyWorkingTree(repoRoot, copy),
    (n) => `${n} files (tracked and untracked-not-ignored, as on disk)`,
  );

  await step(
    "install dependencies",
    () => installDependencies(repoRoot, copy, argv.has("--clean-install") ? "ci" : "copy"),
    (mode) =>
      mode === "ci"
        ? "npm ci"
        : "copied node_modules, then npm install: package-lock.json unchanged (use --clean-install for npm ci)",
  );

  const publicPackages = await step(
    "find the public packages",
    async () => {
      const workspaces = await listWorkspaces(copy);
      const problems: string[] = [];
      for (const ws of workspaces) {
        if (!ws.private && !ws.dir.startsWith("packages/"))
          problems.push(`${ws.name} (${ws.dir}) is not private: only packages/* may be published`);
        if (!ws.private && !ws.tags.includes("public"))
          problems.push(
            `${ws.name} is public but lacks the nx tag "public", so release:publish would not build it`,
          );
        if (ws.private && ws.tags.includes("public"))
          problems.push(`${ws.name} is private but tagged "public"`);
        if (!ws.name.startsWith(`${SCOPE}/`)) problems.push(`${ws.name} is outside the ${SCOPE} scope`);
      }
      const found = workspaces.filter((ws) => !ws.private);
      for (const name of [CORE_PACKAGE, CONSUMER_PACKAGE, CLI_PACKAGE])
        if (!found.some((ws) => ws.name === name)) problems.push(`${name} is missing or private`);
      if (problems.length) throw new Error(problems.join("\n"));
      return { found, privateOnes: workspaces.filter((ws) => ws.private) };
    },
    ({ found, privateOnes }) => [
      `public: ${found.map((ws) => `${ws.name}@${ws.version}`).join(", ")}`,
      `private (never published): ${privateOnes.map((ws) => ws.name).join(", ")}`,
    ],
  );
  const before = new Map(publicPackages.found.map((ws) => [ws.name, ws.version]));

  const versioned = await step(
    "version: a patch changeset for every public package, npm run release:version",
    async () => {
      const changeset = [
        "---",
        ...publicPackages.found.map((ws) => `"${ws.name}": patch`),
        "---",
        "",
        "Release rehearsal.",
        "",
      ].join("\n");
      await writeFile(join(copy, ".changeset", "release-rehearsal.md"), changeset);
      await sh(copy, "npm", ["run", "release:version"]);
      const after = await listWorkspaces(copy);
      const published = after.filter((ws) => !ws.private);
      for (const ws of published) {
        if (ws.version === before.get(ws.name)) throw new Error(`${ws.name} stayed at ${ws.version}`);
        const changelog = await readFile(join(copy, ws.dir, "CHANGELOG.md"), "utf8").catch(() => "");
        if (!changelog.includes(`## ${ws.version}`))
          throw new Error(`${ws.dir}/CHANGELOG.md has no ${ws.version} entry`);
      }
      const consumer = published.find((ws) => ws.name === CONSUMER_PACKAGE)!;
      const core = published.find((ws) => ws.name === CORE_PACKAGE)!;
      if (consumer.dependencies[CORE_PACKAGE] !== core.version)
        throw new Error(
          `${CONSUMER_PACKAGE} depends on ${CORE_PACKAGE}@${consumer.dependencies[CORE_PACKAGE]}, not the new ${core.version}`,
        );
      return published;
    },
    (published) => published.map((ws) => `${ws.name} ${before.get(ws.name)} → ${ws.version}`),
  );
  const version = new Map(versioned.map((ws) => [ws.name, ws.version]));

  await step(
    "build: nx run-many -t build --projects=tag:public",
    () =>
      sh(copy, join(copy, "node_modules", ".bin", "nx"), [
        "run-many",
        "-t",
        "build",
        "--projects=tag:public",
        "--output-style=static",
      ]),
    ({ output }) => {
      const tasks = /Successfully ran target build for (\d+) projects? and (\d+) tasks?/.exec(output);
      return tasks ? `${tasks[1]} packages built, ${tasks[2]} dependent tasks (generate)` : "built";
    },
  );

  const checks = await step(
    "attw --pack and publint --strict on every public package",
    async () => {
      const results = await checkPackages(copy, versioned);
      const failed = results.filter((r) => !r.attw.ok || !r.publint.ok);
      if (failed.length)
        throw new StepFailure(
          "attw --pack and publint --strict on every public package",
          `problems in ${failed.map((r) => r.name).join(", ")}`,
          failed
            .map((r) =>
              [
                `${r.name}:`,
                !r.attw.ok ? `  attw:\n${indent(r.attw.summary)}` : "",
                !r.publint.ok ? `  publint:\n${indent(r.publint.summary)}` : "",
              ]
                .filter(Boolean)
                .join("\n"),
            )
            .join("\n"),
        );
      return results;
    },
    (results) => results.flatMap(describeChecks),
  );

  registry = await step(
    "start the local registry (verdaccio)",
    () => startRegistry({ local: [`${SCOPE}/*`], dir: join(work!, "registry") }),
    (r) => `${r.url} (pid ${r.pid}); storage ${join(r.dir, "storage")}`,
  );
  const reg = registry;

  await step(
    "publish: npm run release:publish -- --no-git-tag",
    async () => {
      // The copy's .npmrc (a temp file) sends the scope to the local registry with a dummy token.
      await appendFile(join(copy, ".npmrc"), `\n${reg.npmrc(SCOPE)}`);
      const { output } = await sh(copy, "npm", ["run", "release:publish", "--", "--no-git-tag"]);
      const problems: string[] = [];
      for (const ws of versioned) {
        const response = await fetch(`${reg.url}${ws.name.replace("/", "%2f")}`);
        if (!response.ok) {
          problems.push(`${ws.name}: not in the registry (${response.status})`);
          continue;
        }
        const meta = (await response.json()) as { "dist-tags"?: Record<string, string> };
        if (meta["dist-tags"]?.["latest"] !== ws.version)
          problems.push(`${ws.name}: latest is ${meta["dist-tags"]?.["latest"]}, expected ${ws.version}`);
      }
      for (const ws of publicPackages.privateOnes) {
        const response = await fetch(`${reg.url}${ws.name.replace("/", "%2f")}`);
        if (response.status !== 404) problems.push(`private ${ws.name} was published (${response.status})`);
      }
      if (problems.length) throw new StepFailure("publish", problems.join("\n"), tail(output));
      return output;
    },
    () => [
      `${versioned.map((ws) => `${ws.name}@${ws.version}`).join(", ")}: published, dist-tag latest`,
      `${publicPackages.privateOnes.length} private workspaces: not in the registry`,
    ],
  );

  const expected = {
    [CONSUMER_PACKAGE]: version.get(CONSUMER_PACKAGE)!,
    [CORE_PACKAGE]: version.get(CORE_PACKAGE)!,
  };
  await step(
    `consumer: npm install ${CONSUMER_PACKAGE} (+ typescript, @types/node)`,
    async () => {
      await installConsumer(consumerDir, reg.url);
      const problems = await checkInstalledPackages(consumerDir, expected);
      if (problems.length) throw new Error(problems.join("\n"));
    },
    () =>
      `node_modules/@sciportals holds only ${Object.entries(expected)
        .map(([name, v]) => `${name.replace(`${SCOPE}/`, "")}@${v}`)
        .join(" and ")}; they ship only dist/, package.json, README, CHANGELOG`,
  );

  await step(
    "consumer: ESM import, CJS require, strict type-checks",
    () => runConsumerChecks(consumerDir),
    (results) => results.map((r) => `${r.name}: ok (${seconds(r.ms)})`),
  );

  await step(
    `the command: npm install -g ${CLI_PACKAGE}, and npx`,
    () => checkCliInstalls(join(work!, "cli"), reg.url, version.get(CLI_PACKAGE)!),
    (results) =>
      results.map((r) => `${r.how}: sciportals --version ${r.version}, generated help ok (${seconds(r.ms)})`),
  );
}

function describeChecks(r: PackageCheckResult): string[] {
  const lines = [
    `${r.name}: attw ${r.attw.summary} (${seconds(r.attw.ms)}); publint ${r.publint.summary} (${seconds(r.publint.ms)})`,
  ];
  for (const s of r.publint.suggestions) lines.push(`  publint suggests: ${s}`);
  return lines;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

function printTimings(): void {
  const width = Math.max(...timings.map((t) => t.step.length));
  process.stdout.write("\nsteps\n");
  for (const t of timings)
    process.stdout.write(`  ${t.ok ? "✔" : "✖"} ${t.step.padEnd(width)}  ${seconds(t.ms).padStart(7)}\n`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  const failure =
    error instanceof StepFailure
      ? error
      : new StepFailure("rehearsal", error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.stdout.write(`\n✖ ${failure.step}: ${failure.message}\n`);
  if (failure.detail) process.stdout.write(`${indent(failure.detail)}\n`);
} finally {
  await cleanup();
}
printTimings();
const total = seconds(performance.now() - started);
if (exitCode === 0) process.stdout.write(`\nrelease rehearsal passed in ${total}\n`);
else process.stdout.write(`\nrelease rehearsal FAILED in ${total}\n`);
process.exitCode = exitCode;
