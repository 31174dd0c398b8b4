import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startFlowSandbox } from "@sciportals/sandbox";
import { capture, runMeasured, rssMethod, type Measured } from "../lib/process.js";
import { fixed, int, median, MiB, range, size } from "../lib/stats.js";
import type { BenchContext, BenchModule, Row, Table } from "../lib/types.js";
import { makeFile } from "./upload.js";

const CHILD = fileURLToPath(new URL("../children/upload.mjs", import.meta.url));

/** Flow's chunk size (the spec's `chunkSize`, as the flowbio client sends them). */
const CHUNK = 1_000_000;
const FILENAME = "reads.fastq";

/** Splits `path` into files of `CHUNK` bytes for curl, which cannot send a byte range of a file as a form part. */
async function splitFile(path: string, dir: string, bytes: number): Promise<string[]> {
  const file = await open(path, "r");
  const buffer = Buffer.alloc(CHUNK);
  const parts: string[] = [];
  try {
    for (let offset = 0; offset < bytes; offset += CHUNK) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, bytes - offset), offset);
      const part = join(dir, `chunk-${String(parts.length).padStart(5, "0")}`);
      await writeFile(part, buffer.subarray(0, bytesRead));
      parts.push(part);
    }
  } finally {
    await file.close();
  }
  return parts;
}

/** One chunk's request as curl config lines: the same fields, in the same order, as `client.upload()` sends. */
function curlChunk(url: string, apiKey: string, part: string, offset: number, last: boolean, id?: string) {
  const lines = [
    `url = "${url}/upload"`,
    `header = "Authorization: Bearer ${apiKey}"`,
    `form-string = "filename=${FILENAME}"`,
    `form-string = "expected_file_size=${offset}"`,
    `form-string = "is_last=${last}"`,
  ];
  if (id !== undefined) lines.push(`form-string = "data=${id}"`);
  lines.push(`form = "blob=@${part};filename=${FILENAME};type=application/octet-stream"`);
  return lines;
}

interface Sample {
  mibs: number;
  rssMiB: number;
  cpuSeconds: number | undefined;
  sandboxCpuSeconds: number;
}

/**
 * Chunked upload, ours against curl: the same file, in the same 1,000,000-byte chunks with the
 * same form fields, to the same Flow sandbox route, one chunk at a time (each chunk needs the id
 * the first one returned, and the protocol appends in order).
 */
async function run(context: BenchContext): Promise<Table[]> {
  const bytes = (context.quick ? 32 : Number(context.option("chunked-upload-mib") ?? 256)) * MiB;
  const rounds = context.rounds(5, 1);
  const flow = await startFlowSandbox({ maxChunkBytes: 2 * MiB });
  const curlVersion = (await capture("curl", ["--version"]))?.split(" ").slice(0, 2).join(" ") ?? "curl";
  const rssFile = join(context.workDir, "rss.txt");
  try {
    const path = join(context.workDir, FILENAME);
    context.log(`chunked-upload: writing a ${size(bytes)} file and its chunks for curl`);
    const sha = await makeFile(path, bytes);
    const parts = await splitFile(path, context.workDir, bytes);

    const check = (who: string, id: string | undefined) => {
      const stored = id === undefined ? undefined : flow.upload(String(id));
      if (!stored?.complete || stored.sha256 !== sha)
        throw new Error(`chunked-upload ${who}: the sandbox did not receive the file intact`);
    };
    // The sandbox runs in this process: its CPU time per upload is ours to measure too.
    const withSandboxCpu = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
      const before = process.cpuUsage();
      const result = await work();
      const used = process.cpuUsage(before);
      return [result, (used.user + used.system) / 1e6];
    };

    const ours = async (): Promise<Sample> => {
      const [measured, sandboxCpuSeconds] = await withSandboxCpu(() =>
        runMeasured(process.execPath, [CHILD, "ours", flow.url, flow.apiKey, path, String(CHUNK)], {
          rssFile,
        }),
      );
      const line = measured.stdout.split("\n").find((l) => l.startsWith('{"upload"'));
      if (measured.code !== 0 || !line)
        throw new Error(`chunked-upload ours failed: ${measured.stderr.trim().split("\n").pop()}`);
      const result = JSON.parse(line).upload as { id: string; wallMs: number; peakRssKiB: number };
      check("ours", result.id);
      return {
        mibs: bytes / MiB / (result.wallMs / 1000),
        rssMiB: (measured.peakRssKiB ?? result.peakRssKiB) / 1024,
        cpuSeconds: measured.cpuSeconds,
        sandboxCpuSeconds,
      };
    };

    const curl = async (): Promise<Sample> => {
      const [[first, rest], sandboxCpuSeconds] = await withSandboxCpu(async () => {
        // The first chunk alone: the rest need the id it returns.
        const firstConfig = join(context.workDir, "curl-first.config");
        const lines = curlChunk(flow.url, flow.apiKey, parts[0]!, 0, parts.length === 1);
        lines.push(`write-out = "\\n%{http_code} %{time_total}\\n"`);
        await writeFile(firstConfig, `${lines.join("\n")}\n`);
        const first = await runMeasured("curl", ["-sS", "--config", firstConfig], { rssFile });
        const [body, status] = first.stdout.trim().split("\n");
        if (first.code !== 0 || !status?.startsWith("200 "))
          throw new Error(`chunked-upload curl: the first chunk failed: ${first.stdout} ${first.stderr}`);
        const id = String((JSON.parse(body!) as { id: string }).id);
        if (parts.length === 1) return [{ measured: first, id }, undefined] as const;
        // The other chunks in one curl process, one after another on one connection.
        const config: string[] = [];
        for (let i = 1; i < parts.length; i++) {
          if (i > 1) config.push("next");
          config.push(...curlChunk(flow.url, flow.apiKey, parts[i]!, i * CHUNK, i === parts.length - 1, id));
          config.push(`output = "/dev/null"`, `write-out = "%{http_code} %{time_total}\\n"`);
        }
        const configFile = join(context.workDir, "curl.config");
        await writeFile(configFile, `${config.join("\n")}\n`);
        const rest = await runMeasured("curl", ["-sS", "--config", configFile], { rssFile });
        return [{ measured: first, id }, rest] as const;
      });
      const timings = [first.measured.stdout.trim().split("\n").pop()!];
      if (rest) {
        if (rest.code !== 0) throw new Error(`chunked-upload curl failed: ${rest.stderr.trim()}`);
        timings.push(...rest.stdout.trim().split("\n"));
      }
      if (timings.length !== parts.length || timings.some((t) => !t.startsWith("200 ")))
        throw new Error(`chunked-upload curl: not every chunk was accepted (${timings.length} answers)`);
      check("curl", first.id);
      const seconds = timings.reduce((sum, t) => sum + Number(t.split(" ")[1]), 0);
      const measured: Measured[] = rest ? [first.measured, rest] : [first.measured];
      return {
        mibs: bytes / MiB / seconds,
        rssMiB: Math.max(...measured.map((m) => m.peakRssKiB ?? NaN)) / 1024,
        cpuSeconds: measured.reduce((sum, m) => sum + (m.cpuSeconds ?? NaN), 0),
        sandboxCpuSeconds,
      };
    };

    const series = { ours: [] as Sample[], curl: [] as Sample[] };
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      context.log(`chunked-upload: round ${round + 1} of ${rounds}`);
      const order = round % 2 === 0 ? (["ours", "curl"] as const) : (["curl", "ours"] as const);
      const pair: Partial<Record<"ours" | "curl", Sample>> = {};
      for (const who of order) {
        const sample = who === "ours" ? await ours() : await curl();
        series[who].push(sample);
        pair[who] = sample;
      }
      ratios.push(pair.ours!.mibs / pair.curl!.mibs);
    }

    const row = (client: string, samples: Sample[], ratio: string): Row => {
      const mibs = samples.map((s) => s.mibs);
      const perGiB = (seconds: number) => seconds / (bytes / (1024 * MiB));
      return {
        client,
        "MiB/s (median)": int(median(mibs)),
        "MiB/s (min–max)": range(mibs, int),
        "÷ curl (median)": ratio,
        "peak RSS MiB (median)": int(median(samples.map((s) => s.rssMiB))),
        "client CPU s per GiB": fixed(perGiB(median(samples.map((s) => s.cpuSeconds ?? NaN)))),
        "sandbox CPU s per GiB": fixed(perGiB(median(samples.map((s) => s.sandboxCpuSeconds)))),
      };
    };
    const rows = [
      row(
        `ours: \`client.upload("uploadData", …)\`, 1,000,000-byte chunks`,
        series.ours,
        fixed(median(ratios)),
      ),
      row(`${curlVersion}: the same chunks, one \`--next\` transfer each`, series.curl, "1"),
    ];
    const ratio = median(ratios);
    return [
      {
        id: "chunked-upload",
        title: `Chunked upload to the Flow sandbox: ${size(bytes)} in ${parts.length} chunks, ours against curl`,
        method: [
          `The same file (sha256 checked on the sandbox after every upload) to the same route, \`POST /api/upload\` of the Flow sandbox in the parent process, in 1,000,000-byte multipart chunks with the same fields (filename, expected_file_size, is_last, data, blob), one chunk at a time. Ours: \`client.upload()\` in a child process on the built packages, timed around the call. curl: the first chunk in one process (it returns the upload id), the others in a second process from a config file, one \`--next\` transfer each, on one kept-alive connection, from the file split into chunk files beforehand; time is the sum of curl's \`time_total\` over the transfers.`,
          `${rounds} rounds alternating who goes first; ours ÷ curl per round, then the median. Peak RSS by ${rssMethod} (curl: the larger of its two processes); client CPU is the whole process (node's start-up included); sandbox CPU is the parent's CPU time during the upload.`,
        ],
        columns: Object.keys(rows[0]!),
        rows,
        notes: [`Ours ÷ curl: ${fixed(ratio)}.`],
      },
    ];
  } finally {
    await flow.close(); // the runner removes the work folder and the files in it
  }
}

export const chunkedUpload: BenchModule = { name: "chunked-upload", run };
