// The built packages under Deno and Bun, as installed from npm: the sandboxes run here in Node on
// 127.0.0.1, and each runtime runs src/scenario.ts (the STOmics quick start and a chunked Flow
// upload) as a child process with the narrowest permissions that work.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startFlowSandbox,
  startStomicsSandbox,
  type FlowSandbox,
  type StomicsSandbox,
} from "@sciportals/sandbox";
import { findRuntime, type Runtime } from "../src/binaries.js";
import type { ScenarioInput, ScenarioOutput } from "../src/scenario.js";

const here = dirname(fileURLToPath(import.meta.url));
// Core's Node entry as Deno resolves it (through the workspace link): the proxy code loads it by name.
const coreNodeEntry = realpathSync(
  join(dirname(createRequire(import.meta.url).resolve("@sciportals/core/package.json")), "dist/node.mjs"),
);
const scenario = join(here, "../src/scenario.ts");
const CHUNK = 1_000_000; // the Flow spec's chunk size
const UPLOAD_BYTES = 3 * CHUNK + 456_789; // four chunks, the last one short
const DOWNLOAD_BYTES = 3_000_000;

let stomics: StomicsSandbox;
let flow: FlowSandbox;
let work: string;
let uploadFrom: string;

beforeAll(async () => {
  stomics = await startStomicsSandbox({ bigFileBytes: DOWNLOAD_BYTES });
  flow = await startFlowSandbox();
  work = mkdtempSync(join(tmpdir(), "sciportals-runtimes-"));
  uploadFrom = join(work, "reads_R1.fastq");
  writeFileSync(uploadFrom, randomBytes(UPLOAD_BYTES));
});

afterAll(async () => {
  await stomics?.close();
  await flow?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Deno's grants: the file to upload, and the download's directory (stat, .part, rename). */
function grantsFor(input: ScenarioInput, more: string[] = []) {
  return {
    read: [input.uploadFrom, dirname(input.downloadTo), ...more],
    write: [dirname(input.downloadTo)],
  };
}

/**
 * Runs the scenario in `runtime` with a clean environment: no proxy variables from the machine,
 * no update checks, nothing cached from an earlier run.
 */
function runScenario(
  runtime: Runtime,
  input: ScenarioInput,
  grants: { read: string[]; write: string[] } = grantsFor(input),
): Promise<Run> {
  const { path } = findRuntime(runtime, here);
  const args =
    runtime === "deno"
      ? [
          "run",
          "--no-prompt",
          "--no-lock",
          // node_modules as npm ci left it: Deno resolves @sciportals/* there, as Node does.
          "--node-modules-dir=manual",
          "--allow-net=127.0.0.1",
          ...(["read", "write"] as const).flatMap((kind) =>
            grants[kind].length ? [`--allow-${kind}=${grants[kind].join(",")}`] : [],
          ),
          scenario,
          JSON.stringify(input),
        ]
      : ["run", scenario, JSON.stringify(input)];
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: work,
    DENO_DIR: join(work, `deno-cache`),
    DENO_NO_UPDATE_CHECK: "1",
    DO_NOT_TRACK: "1",
    NO_COLOR: "1",
  };
  return new Promise((resolve) => {
    execFile(path, args, { env, cwd: here, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function inputFor(runtime: Runtime, name: string, proxy?: string): ScenarioInput {
  const outDir = join(work, `${runtime}-${name}`);
  mkdirSync(outDir, { recursive: true });
  return {
    stomics: { url: stomics.url, apiKey: stomics.apiKey },
    flow: { url: flow.url, apiKey: flow.apiKey },
    downloadTo: join(outDir, "matrix.h5ad"),
    uploadFrom,
    ...(proxy && { proxy }),
  };
}

function outputOf(runtime: Runtime, run: Run): ScenarioOutput {
  // The runtime's own words when it fails: which error, which permission.
  expect(run.code, `${runtime} exited with ${run.code}\n${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout.trim().split("\n").at(-1)!) as ScenarioOutput;
}

/** A forward proxy for http URLs (absolute-URI requests), logging what passes and its credentials. */
async function startProxy(): Promise<{ url: string; log: string[]; auth: string[]; close(): void }> {
  const log: string[] = [];
  const auth: string[] = [];
  const server: Server = createServer((req, res) => {
    log.push(`${req.method} ${new URL(req.url!).pathname}`);
    auth.push(req.headers["proxy-authorization"] ?? "");
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    const upstream = httpRequest(req.url!, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    auth,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

describe.each(["deno", "bun"] as const)("%s", (runtime) => {
  it("is installed by npm ci at the pinned version", () => {
    const manifest = JSON.parse(readFileSync(join(here, "../package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    const found = findRuntime(runtime, here);
    expect(found.version).toBe(manifest.devDependencies[runtime]);
    expect(existsSync(found.path)).toBe(true);
  });

  it("runs the STOmics quick start and a chunked Flow upload from the built packages", async () => {
    const input = inputFor(runtime, "quickstart");
    const out = outputOf(runtime, await runScenario(runtime, input));
    expect(out.runtime).toBe(`${runtime} ${findRuntime(runtime, here).version}`);

    // A typed call: the sandbox's answer to the same query, asked here in Node.
    const query = "q=brain&technology_ids=1&sort_by=download_count&sort_order=desc&page=1&per_page=5";
    const expected = (await (
      await fetch(`${stomics.url}/api/v1/datasets?${query}`, {
        headers: { authorization: `Bearer ${stomics.apiKey}` },
      })
    ).json()) as { total: number; items: { accession: string }[] };
    expect(out.stomics.firstPage).toEqual({
      total: expected.total,
      accessions: expected.items.map((d) => d.accession),
    });

    // The paginated walk: every "brain" dataset once, over several pages of 20.
    const all = (await (
      await fetch(`${stomics.url}/api/v1/datasets?q=brain&per_page=1`, {
        headers: { authorization: `Bearer ${stomics.apiKey}` },
      })
    ).json()) as { total: number };
    expect(all.total).toBeGreaterThan(20);
    expect(out.stomics.walked).toEqual({ count: all.total, distinct: all.total });

    // The download: to a file, byte for byte what the storage serves, no .part left behind.
    const { download } = out.stomics;
    expect(download.path).toBe(input.downloadTo);
    expect(download.size).toBe(download.catalogSize);
    expect(sha256(readFileSync(input.downloadTo))).toBe(stomics.fileContent(download.fileId).sha256());
    expect(existsSync(`${input.downloadTo}.part`)).toBe(false);

    // A 404 is core's NotFoundError: one copy of core in the runtime's module graph.
    expect(out.stomics.notFound).toEqual({ sameClassAsCore: true, status: 404 });

    // The upload: four chunks at the spec's offsets, assembled into the same bytes.
    expect(out.flow).toMatchObject({ bytes: UPLOAD_BYTES, chunks: 4 });
    const stored = flow.upload(out.flow.uploadId!)!;
    expect(stored).toMatchObject({ complete: true, received: UPLOAD_BYTES, duplicates: 0 });
    expect(stored.offsets).toEqual([0, CHUNK, 2 * CHUNK, 3 * CHUNK]);
    expect(stored.sha256).toBe(sha256(readFileSync(uploadFrom)));

    expect(stomics.violations).toEqual([]);
    expect(flow.violations).toEqual([]);
  }, 90_000);

  it("sends API calls, the download and the upload through the `proxy` option", async () => {
    const proxy = await startProxy();
    try {
      const url = new URL(proxy.url);
      url.username = "lab";
      url.password = "s3cret";
      const input = inputFor(runtime, "proxy", url.href);
      const out = outputOf(runtime, await runScenario(runtime, input, grantsFor(input, [coreNodeEntry])));
      expect(out.flow.chunks).toBe(4);
      // Bun's and Deno's fetch ignore undici's dispatcher: without core's runtime-proxy.ts the
      // API calls went around the proxy while downloads and uploads went through it.
      expect(proxy.log).toEqual(
        expect.arrayContaining([
          "GET /api/v1/datasets",
          `GET /api/v1/datasets/${out.stomics.download.accession}/files/${out.stomics.download.fileId}/download`,
          "POST /api/upload",
        ]),
      );
      expect(proxy.log.filter((line) => line === "POST /api/upload")).toHaveLength(4);
      expect(proxy.log.some((line) => line.startsWith("GET /stomics-data/"))).toBe(true);
      expect(JSON.stringify(out)).not.toContain("s3cret");
      expect(new Set(proxy.auth)).toEqual(new Set([`Basic ${Buffer.from("lab:s3cret").toString("base64")}`]));
    } finally {
      proxy.close();
    }
  }, 90_000);
});

describe("deno's permissions", () => {
  it("a destination it may not read fails with Deno's reason, not as a missing directory", async () => {
    const input = inputFor("deno", "denied");
    const run = await runScenario("deno", input, { read: [input.uploadFrom], write: [] });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("destination_not_writable");
    expect(run.stderr).toContain(`Requires read access to "${dirname(input.downloadTo)}"`);
    expect(run.stderr).not.toContain("does not exist");
  }, 90_000);

  it("the proxy option without read access to core's Node entry is a ConfigurationError saying so", async () => {
    const input = inputFor("deno", "proxy-denied", "http://127.0.0.1:9");
    const run = await runScenario("deno", input);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("ConfigurationError unsupported_environment");
    expect(run.stderr).toContain(`Requires read access to "${coreNodeEntry}"`);
  }, 90_000);
});
