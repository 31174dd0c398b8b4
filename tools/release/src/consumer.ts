import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { childEnv, run } from "./proc.js";

/** Exact versions for the consumer's type-check: the ones the repository itself uses. */
export const CONSUMER_DEV_DEPENDENCIES = ["typescript@5.9.3", "@types/node@20.19.43"] as const;

export interface ConsumerCheck {
  name: string;
  ms: number;
}

/**
 * Creates a consumer project in `dir` whose `.npmrc` sends `@sciportals` to `registryUrl` (and
 * everything else to the user's usual registry), and installs `@sciportals/stomics` there with
 * the TypeScript toolchain for the type-check.
 */
export async function installConsumer(dir: string, registryUrl: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "sciportals-rehearsal-consumer", version: "0.0.0", private: true }, null, 2)}\n`,
  );
  await writeFile(join(dir, ".npmrc"), `@sciportals:registry=${registryUrl}\nsave-exact=true\n`);
  // --prefer-online: every rehearsal publishes the same version numbers with new contents, so a
  // cached packument for @sciportals/* must be revalidated; tarballs still come from the cache
  // by integrity.
  await run(
    "npm",
    [
      "install",
      "@sciportals/stomics",
      ...CONSUMER_DEV_DEPENDENCIES,
      "--prefer-online",
      "--no-audit",
      "--no-fund",
      "--no-update-notifier",
    ],
    { cwd: dir, timeoutMs: 3 * 60_000 },
  );
}

/**
 * Checks that the consumer holds exactly the packages it asked for from this repository: the
 * portal and core (at the versions just published), and nothing of the other portals.
 */
export async function checkInstalledPackages(
  dir: string,
  expected: Record<string, string>,
): Promise<string[]> {
  const problems: string[] = [];
  const scopeDir = join(dir, "node_modules", "@sciportals");
  const installed = (await readdir(scopeDir)).sort();
  const wanted = Object.keys(expected)
    .map((name) => name.replace("@sciportals/", ""))
    .sort();
  if (installed.join() !== wanted.join())
    problems.push(
      `node_modules/@sciportals holds ${installed.join(", ")}; expected only ${wanted.join(", ")}`,
    );

  const lock = JSON.parse(await readFile(join(dir, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    const match = /(?:^|\/)node_modules\/(@sciportals\/[^/]+)$/.exec(path);
    if (!match) continue;
    const name = match[1]!;
    if (!(name in expected)) problems.push(`package-lock.json installs ${name} (${path})`);
    else if (entry.version !== expected[name])
      problems.push(`${name} installed at ${entry.version}, expected the rehearsed ${expected[name]}`);
  }

  // What a user downloads: dist/, the manifest, README, CHANGELOG and LICENSE; no sources, tests or configs.
  for (const name of Object.keys(expected)) {
    const root = join(dir, "node_modules", name);
    for (const file of await listFiles(root)) {
      const path = relative(root, file);
      if (!/^(dist\/.+|package\.json|README\.md|CHANGELOG\.md|LICEN[CS]E(\.md|\.txt)?)$/i.test(path))
        problems.push(`${name} ships ${path}`);
    }
  }
  return problems;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}

/**
 * The runtime check shared by the ESM and the CJS consumer: a client with a stubbed `fetch`, one
 * call, the pagination iterator across two pages, and a 404 that must be the exported error class.
 */
const runtimeCheck = `
async function check(m, kind) {
  const datasets = [
    { accession: "STD0001", title: "one" },
    { accession: "STD0002", title: "two" },
    { accession: "STD0003", title: "three" },
  ];
  const seen = [];
  const fetch = async (request) => {
    seen.push(request);
    const url = new URL(request.url);
    if (url.pathname === "/api/v1/datasets") {
      const page = Number(url.searchParams.get("page") ?? "1");
      const perPage = Number(url.searchParams.get("per_page") ?? "2");
      const items = datasets.slice((page - 1) * perPage, page * perPage);
      return Response.json({ total: datasets.length, page, per_page: perPage, items });
    }
    return Response.json({ detail: "Dataset not found" }, { status: 404 });
  };
  const client = m.createStomicsClient({ apiKey: "sk-rehearsal-secret", env: false, fetch });

  const page = await client.listDatasets({ query: { q: "brain", per_page: 2 } });
  assert.equal(page.total, 3);
  assert.deepEqual(page.items.map((d) => d.accession), ["STD0001", "STD0002"]);
  assert.equal(seen[0].headers.get("authorization"), "Bearer sk-rehearsal-secret");
  assert.equal(new URL(seen[0].url).searchParams.get("q"), "brain");

  const all = [];
  for await (const dataset of client.paginate("listDatasets", { query: { per_page: 2 } })) all.push(dataset.accession);
  assert.deepEqual(all, ["STD0001", "STD0002", "STD0003"]);

  let caught;
  try {
    await client.getDataset({ path: { accession: "STD0404" } });
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof m.NotFoundError, kind + ": a 404 is not a NotFoundError: " + caught);
  assert.ok(caught instanceof m.ApiError && caught instanceof m.PortalError && caught instanceof Error);
  assert.equal(caught.status, 404);
  assert.ok(!String(caught.message).includes("sk-rehearsal-secret"), "the API key leaked into an error");
  console.log(kind + " ok");
}
`;

const esmCheck = `import assert from "node:assert/strict";
import * as m from "@sciportals/stomics";

const resolved = import.meta.resolve("@sciportals/stomics");
assert.ok(resolved.endsWith("/dist/index.mjs"), "import resolved to " + resolved);
${runtimeCheck}
await check(m, "esm");
`;

const cjsCheck = `"use strict";
const assert = require("node:assert/strict");
const m = require("@sciportals/stomics");

const resolved = require.resolve("@sciportals/stomics");
assert.ok(resolved.endsWith("/dist/index.cjs"), "require resolved to " + resolved);
${runtimeCheck}
check(m, "cjs").catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/**
 * A typed consumer. Types that silently became \`any\` would let every \`@ts-expect-error\` below go
 * unused, and tsc fails on an unused one.
 */
const typedConsumer = `import { createStomicsClient, NotFoundError, PortalError, type StomicsClient } from "@sciportals/stomics";

const stub = async (_request: Request): Promise<Response> => Response.json({ total: 0, items: [] });
export const client: StomicsClient = createStomicsClient({ apiKey: "sk-x", env: false, fetch: stub });

export async function main(): Promise<string[]> {
  const { data, error } = await client.GET("/api/v1/datasets", { params: { query: { q: "brain" } } });
  if (error) throw new Error("unexpected error");
  const total: number | undefined = data?.total;

  const page = await client.listDatasets({ query: { q: "brain", sort_by: "download_count" } });
  const first: string | undefined = page.items[0]?.accession;

  const accessions: string[] = [];
  for await (const dataset of client.paginate("listDatasets", { query: { q: "brain" } })) {
    const title: string = dataset.title;
    accessions.push(dataset.accession, title);
  }

  try {
    await client.getDataset({ path: { accession: "STD0404" } });
  } catch (caught) {
    if (caught instanceof NotFoundError) {
      const status: number = caught.status;
      accessions.push(String(status));
    } else if (caught instanceof PortalError) {
      const status: number | undefined = caught.status;
      accessions.push(String(status));
    }
  }

  // sort_by is an open enum: the spec's fields are suggested, and any other name is sent as is
  await client.listDatasets({ query: { sort_by: "popularity" } });
  // @ts-expect-error but it is a string
  await client.listDatasets({ query: { sort_by: 42 } });
  // @ts-expect-error a path parameter is required
  await client.getDataset({});
  // @ts-expect-error the typed path methods know only the spec's paths
  await client.GET("/api/v1/no-such-path", {});

  return [...accessions, String(total), String(first)];
}
`;

/** tsconfig for a Node consumer compiled with nodenext, types from @types/node, no DOM. */
const nodenextConfig = {
  compilerOptions: {
    strict: true,
    noEmit: true,
    module: "nodenext",
    moduleResolution: "nodenext",
    target: "es2022",
    types: ["node"],
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
  },
  files: ["typed-esm.mts", "typed-cjs.cts"],
};

/** tsconfig for a browser app with a bundler: DOM, and no @types/node at all. */
const bundlerConfig = {
  compilerOptions: {
    strict: true,
    noEmit: true,
    module: "esnext",
    moduleResolution: "bundler",
    target: "es2022",
    lib: ["es2022", "dom", "dom.iterable"],
    types: [],
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
  },
  files: ["typed-bundler.ts"],
};

/** Writes the consumer files and runs each check; resolves with timings, rejects on the first failure. */
export async function runConsumerChecks(dir: string): Promise<ConsumerCheck[]> {
  await writeFile(join(dir, "esm.mjs"), esmCheck);
  await writeFile(join(dir, "cjs.cjs"), cjsCheck);
  for (const file of ["typed-esm.mts", "typed-cjs.cts", "typed-bundler.ts"])
    await writeFile(join(dir, file), typedConsumer);
  await writeFile(join(dir, "tsconfig.nodenext.json"), `${JSON.stringify(nodenextConfig, null, 2)}\n`);
  await writeFile(join(dir, "tsconfig.bundler.json"), `${JSON.stringify(bundlerConfig, null, 2)}\n`);

  const env = childEnv();
  const tsc = join(dir, "node_modules", "typescript", "bin", "tsc");
  const checks: [string, string, string[]][] = [
    ["ESM import (esm.mjs)", process.execPath, ["esm.mjs"]],
    ["CJS require (cjs.cjs)", process.execPath, ["cjs.cjs"]],
    [
      "tsc --strict, nodenext (.mts + .cts)",
      process.execPath,
      [tsc, "-p", "tsconfig.nodenext.json", "--strict", "--noEmit"],
    ],
    [
      "tsc --strict, bundler + DOM, no @types/node",
      process.execPath,
      [tsc, "-p", "tsconfig.bundler.json", "--strict", "--noEmit"],
    ],
  ];
  const results: ConsumerCheck[] = [];
  for (const [name, command, args] of checks) {
    const { ms } = await run(command, args, { cwd: dir, env, timeoutMs: 2 * 60_000 }).catch(
      (error: Error) => {
        throw Object.assign(error, { message: `${name}: ${error.message}` });
      },
    );
    results.push({ name, ms });
  }
  return results;
}
