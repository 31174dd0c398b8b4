import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { chunks, startStomicsSandbox, type StomicsSandbox, type VirtualFile } from "@sciportals/sandbox";
import { createStomicsClient } from "@sciportals/stomics";
import { capture, rssMethod, runMeasured, type Measured } from "../lib/process.js";
import { fixed, int, median, MiB, range, size } from "../lib/stats.js";
import type { BenchContext, BenchModule, Row, Table } from "../lib/types.js";

const CHILD = fileURLToPath(new URL("../children/download.mjs", import.meta.url));
const FILE = { accession: "STD0001", file_id: 1 } as const;
/** Files up to this size get a full sha256 check; larger ones a size check and spot checks. */
const SHA_LIMIT = 256 * MiB;
const SPOT_CHECKS = 16;
const SPOT_BYTES = 64 * 1024;
const GiB = 1024 * MiB;

/**
 * Pages freed this long ago cost the next writer dearly on this VM (the balloon's free page
 * reporting hands them back to the host after about 2 s; writing 1 GiB into the page cache then
 * takes 2-3 s of kernel time instead of 0.3 s, whatever the writer). A node process starts more
 * slowly than curl, so deleting the previous file before spawning each contender charged ours for
 * the host's memory, not for its work. Each contender now starts with the previous file's pages
 * freed at the same moment: just before curl is spawned, or when our child says it is ready.
 */
class PageCache {
  /** `fair: false` (`--pages=naive`) measures as before: each file deleted once checked. */
  constructor(
    private readonly previous: string,
    private readonly fair: boolean,
  ) {}
  /** Fills the page cache with `bytes` of a file to be freed before the first contender starts. */
  async prime(bytes: number): Promise<void> {
    if (!this.fair) return;
    const handle = await open(this.previous, "w");
    try {
      const block = Buffer.alloc(MiB, 1);
      for (let at = 0; at < bytes; at += MiB) await handle.write(block, 0, Math.min(MiB, bytes - at));
    } finally {
      await handle.close();
    }
  }
  /** Keeps a checked file until the next download is about to start. */
  keep(path: string): Promise<void> {
    return this.fair ? rename(path, this.previous) : rm(path, { force: true });
  }
  /** Frees the kept file's pages: call right before a download starts. */
  free(): Promise<void> {
    return rm(this.previous, { force: true });
  }
}

/** One download, as measured. */
interface Sample {
  bytes: number;
  /** The transfer as the client timed it: ours around the download call, curl's `time_total`. */
  wallMs: number;
  mibPerSecond: number;
  /** CPU (user + system) seconds: ours around the download call, curl's whole process. */
  cpuSeconds: number | undefined;
  /** Ours only: the user part of `cpuSeconds` (the rest is the kernel's: sockets, page cache). */
  userSeconds?: number | undefined;
  /** The whole process, spawn to exit, as the parent saw it (less the parent's checks it waited for). */
  processMs: number;
  /** Peak RSS of the process the download ran in. */
  peakRssKiB: number | undefined;
  /** Ours only: what /usr/bin/time (or VmHWM) saw, to cross-check the self-report. */
  externalRssKiB?: number | undefined;
  /** Ours only: RSS once the client was ready, before the first download. */
  rssBeforeKiB?: number | undefined;
  verified: string;
}

/**
 * What is measured: `client` = our child's first download (a fresh process), `client-warm` = its
 * second download in the same process, `curl`, and `engine` = core's downloadToFile alone.
 */
type Series = "client" | "client-warm" | "curl" | "engine";
type Contender = "client" | "curl" | "engine";

interface Plan {
  /** Downloads per client process (2 adds the `client-warm` series). */
  clientDownloads: number;
  curl: boolean;
  engine: boolean;
}

function fail(what: string, measured: Measured): never {
  // The child's stderr goes to ours; the message keeps its first error line.
  process.stderr.write(measured.stderr);
  const lines = (measured.stderr || measured.stdout).split("\n").map((line) => line.trim());
  const reason = lines.find((line) => /Error\b/.test(line)) ?? lines.filter(Boolean).pop() ?? "no output";
  throw new Error(`${what} failed (exit ${measured.code ?? measured.signal}): ${reason}`);
}

async function removeAll(...paths: string[]) {
  for (const path of paths) {
    await rm(path, { force: true });
    await rm(`${path}.part`, { force: true });
    await rm(`${path}.part.json`, { force: true });
  }
}

/** Checks a downloaded file against the sandbox's bytes, so that a broken download cannot look fast. */
async function verify(dest: string, sandbox: StomicsSandbox, expectedSha: () => string): Promise<string> {
  const { file } = sandbox.fileContent(FILE.file_id);
  const actual = (await stat(dest)).size;
  if (actual !== file.size) throw new Error(`${dest} has ${actual} bytes, expected ${file.size}`);
  if (file.size <= SHA_LIMIT) {
    const hash = createHash("sha256");
    await pipeline(createReadStream(dest, { highWaterMark: 1 << 20 }), hash);
    const digest = hash.digest("hex");
    if (digest !== expectedSha()) throw new Error(`${dest}: sha256 ${digest}, expected ${expectedSha()}`);
    return "size, sha256";
  }
  await spotCheck(dest, file);
  return `size, ${SPOT_CHECKS} × ${SPOT_BYTES / 1024} KiB spot checks`;
}

/** Compares windows spread over the file (the first and last included) with the sandbox's bytes. */
async function spotCheck(dest: string, file: VirtualFile) {
  const handle = await open(dest, "r");
  try {
    const last = file.size - SPOT_BYTES;
    for (let i = 0; i < SPOT_CHECKS; i++) {
      // Odd offsets on purpose: not aligned to the sandbox's 1 MiB blocks.
      const wanted = i === SPOT_CHECKS - 1 ? last : Math.floor((last * i) / (SPOT_CHECKS - 1)) + 4097 * i;
      const from = Math.max(0, Math.min(wanted, last));
      const expected = Buffer.concat([...chunks(file, from, from + SPOT_BYTES)]);
      const actual = Buffer.alloc(SPOT_BYTES);
      await handle.read(actual, 0, SPOT_BYTES, from);
      if (!actual.equals(expected)) throw new Error(`${dest}: bytes at ${from} differ from the served file`);
    }
  } finally {
    await handle.close();
  }
}

/** A fresh pre-signed URL, asked for by the parent (not timed), as a script would hand it on. */
async function presignedUrl(sandbox: StomicsSandbox): Promise<string> {
  const api = createStomicsClient({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, env: false });
  return (await api.getDatasetFileDownloadUrl({ path: FILE })).url;
}

/**
 * Our child: the whole client (`client`), or core's `downloadToFile` on a URL from the parent
 * (`engine`), one download per destination. `check` runs after each download, before the next
 * starts (it verifies and deletes the file, so the disk holds one file at a time).
 */
async function ours(
  mode: "client" | "engine",
  sandbox: StomicsSandbox,
  dests: string[],
  rssFile: string,
  check: (index: number, bytes: number) => Promise<string>,
  pages: PageCache,
): Promise<Sample[]> {
  const args = mode === "client" ? [sandbox.url, sandbox.apiKey] : [await presignedUrl(sandbox)];
  const downloads: {
    wallMs: number;
    cpuSeconds: number;
    userSeconds: number;
    size: number;
    verified: string;
  }[] = [];
  let done: { maxRssKiB: number; rssBeforeKiB: number } | undefined;
  let checkMs = 0; // the child waits while the parent checks a file
  const measured = await runMeasured(process.execPath, [CHILD, mode, ...args, ...dests], {
    rssFile,
    onLine: async (line) => {
      if (!line.startsWith("{")) return undefined;
      const message = JSON.parse(line) as {
        ready?: object;
        download?: { wallMs: number; cpuSeconds: number; userSeconds: number; size: number };
        done?: { maxRssKiB: number; rssBeforeKiB: number };
      };
      if (message.done) done = message.done;
      if (message.ready) {
        await pages.free();
        return "go";
      }
      if (!message.download) return undefined;
      const checkStarted = performance.now();
      const verified = await check(downloads.length, message.download.size);
      // The child waits for all but the last check; after the last it exits at once.
      if (downloads.length < dests.length - 1) checkMs += performance.now() - checkStarted;
      downloads.push({ ...message.download, verified });
      await pages.free();
      return "next";
    },
  });
  if (measured.code !== 0 || !done) fail(`our download child (${mode})`, measured);
  return downloads.map((d) => ({
    bytes: d.size,
    wallMs: d.wallMs,
    mibPerSecond: d.size / MiB / (d.wallMs / 1000),
    cpuSeconds: d.cpuSeconds,
    userSeconds: d.userSeconds,
    processMs: measured.processMs - checkMs,
    peakRssKiB: done!.maxRssKiB,
    externalRssKiB: measured.peakRssKiB,
    rssBeforeKiB: done!.rssBeforeKiB,
    verified: d.verified,
  }));
}

async function curl(
  sandbox: StomicsSandbox,
  dest: string,
  rssFile: string,
  pages: PageCache,
): Promise<Omit<Sample, "verified">> {
  const url = await presignedUrl(sandbox);
  await pages.free();
  const measured = await runMeasured(
    "curl",
    ["-sS", "-o", dest, "-w", "%{http_code} %{size_download} %{time_total}", url],
    { rssFile },
  );
  if (measured.code !== 0) fail("curl", measured);
  const [status, bytes, seconds] = measured.stdout.trim().split(" ").map(Number);
  if (status !== 200) throw new Error(`curl got HTTP ${status}`);
  return {
    bytes: bytes!,
    wallMs: seconds! * 1000,
    mibPerSecond: bytes! / MiB / seconds!,
    cpuSeconds: measured.cpuSeconds,
    processMs: measured.processMs,
    peakRssKiB: measured.peakRssKiB,
  };
}

/** Runs `rounds` rounds at one file size, rotating which contender goes first. */
async function measureSize(
  context: BenchContext,
  bytes: number,
  rounds: number,
  plan: Plan,
): Promise<Record<Series, Sample[]>> {
  const samples: Record<Series, Sample[]> = { client: [], "client-warm": [], curl: [], engine: [] };
  const contenders: Contender[] = ["client"];
  if (plan.curl) contenders.push("curl");
  if (plan.engine) contenders.push("engine");
  const sandbox = await startStomicsSandbox({ bigFileBytes: bytes });
  let sha: string | undefined;
  const expectedSha = () => (sha ??= sandbox.fileContent(FILE.file_id).sha256());
  const dests = Array.from({ length: Math.max(1, plan.clientDownloads) }, (_, i) =>
    join(context.workDir, `STD0001-matrix-${bytes}-${i + 1}.bin`),
  );
  const rssFile = join(context.workDir, "peak-rss.txt");
  const pages = new PageCache(join(context.workDir, "previous.bin"), context.option("pages") !== "naive");
  try {
    await pages.prime(bytes);
    for (let round = 0; round < rounds; round++) {
      const shift = round % contenders.length;
      for (const who of [...contenders.slice(shift), ...contenders.slice(0, shift)]) {
        await removeAll(...dests);
        const check = async (index: number, reported: number) => {
          if (reported !== bytes) throw new Error(`${who} reported ${reported} bytes, expected ${bytes}`);
          const verified = await verify(dests[index]!, sandbox, expectedSha);
          await pages.keep(dests[index]!);
          return verified;
        };
        let measured: Sample[];
        if (who === "curl") {
          const sample = await curl(sandbox, dests[0]!, rssFile, pages);
          measured = [{ ...sample, verified: await check(0, sample.bytes) }];
        } else {
          const mine = who === "client" ? dests : dests.slice(0, 1);
          measured = await ours(who, sandbox, mine, rssFile, check, pages);
        }
        for (const [i, sample] of measured.entries()) {
          const series: Series = who === "client" && i > 0 ? "client-warm" : who;
          samples[series].push(sample);
          context.log(
            `download ${size(bytes)}: round ${round + 1}/${rounds} ${series} ${fixed(sample.mibPerSecond, 0)} MiB/s, ` +
              `peak RSS ${fixed(mib(sample.peakRssKiB), 1)} MiB`,
          );
        }
      }
    }
  } finally {
    await removeAll(...dests);
    await pages.free();
    await sandbox.close();
  }
  return samples;
}

const mib = (kib: number | undefined) => (kib === undefined ? NaN : kib / 1024);

function row(
  name: string,
  bytes: number,
  samples: Sample[],
  options: { vsCurl?: number[]; rss?: string } = {},
): Row {
  const speeds = samples.map((s) => s.mibPerSecond);
  const cpu = samples.map((s) => (s.cpuSeconds ?? NaN) / (s.bytes / GiB));
  const user = samples.map((s) => (s.userSeconds ?? NaN) / (s.bytes / GiB));
  const rss = samples.map((s) => mib(s.peakRssKiB));
  const before = samples.map((s) => mib(s.rssBeforeKiB));
  const ratio = options.vsCurl;
  return {
    client: name,
    size: size(bytes),
    rounds: String(samples.length),
    "MiB/s (median)": int(median(speeds)),
    "MiB/s (min–max)": range(speeds, int),
    "÷ curl (median, min–max)": ratio ? `${fixed(median(ratio))} (${range(ratio, (v) => fixed(v))})` : "",
    "CPU s per GiB": fixed(median(cpu)),
    "of which user": user.every(Number.isNaN) ? "" : fixed(median(user)),
    "peak RSS MiB (median, max)": options.rss ?? `${fixed(median(rss), 1)} (${fixed(Math.max(...rss), 1)})`,
    "RSS before download MiB": before.every(Number.isNaN) ? "" : fixed(median(before), 1),
    verified: samples[0]?.verified ?? "",
  };
}

function parseSizes(value: string | undefined, fallback: number[]): number[] {
  if (!value) return fallback;
  return value.split(",").map((part) => {
    const n = Number(part.trim());
    if (!Number.isFinite(n) || n <= 0) throw new Error(`bad size ${JSON.stringify(part)} (MiB expected)`);
    return Math.round(n * MiB);
  });
}

const CLIENT = "ours: `stomics.download()`";

async function run(context: BenchContext): Promise<Table[]> {
  const rounds = context.rounds(7, 2);
  const [compareBytes] = parseSizes(context.option("compare-mib"), [context.quick ? 128 * MiB : GiB]);
  const extraSizes = parseSizes(
    context.option("sizes-mib"),
    context.quick ? [16 * MiB, 256 * MiB] : [64 * MiB, 4 * GiB],
  );
  const curlVersion = (await capture("curl", ["--version"]))
    ?.split("\n")[0]
    ?.split(" ")
    .slice(0, 2)
    .join(" ");
  if (!curlVersion) throw new Error("curl is not installed; the download bench compares against it");

  const compared = await measureSize(context, compareBytes!, rounds, {
    clientDownloads: 2,
    curl: true,
    engine: true,
  });
  const vsCurl = (samples: Sample[]) =>
    samples.map((s, i) => s.mibPerSecond / compared.curl[i]!.mibPerSecond);
  const rows: Row[] = [
    row(`${CLIENT}, first in a fresh process`, compareBytes!, compared.client, {
      vsCurl: vsCurl(compared.client),
    }),
    row(`${CLIENT}, second in the same process`, compareBytes!, compared["client-warm"], {
      vsCurl: vsCurl(compared["client-warm"]),
      rss: "(the process above)",
    }),
    row(`${curlVersion}: \`curl -s -o FILE <pre-signed URL>\``, compareBytes!, compared.curl),
    row("diagnostic: core `downloadToFile(url)` alone, fresh process", compareBytes!, compared.engine, {
      vsCurl: vsCurl(compared.engine),
    }),
  ];
  const peaks: [number, number][] = [
    [compareBytes!, Math.max(...compared.client.map((s) => mib(s.peakRssKiB)))],
  ];
  const crossChecks: Sample[] = [...compared.client, ...compared.engine];
  for (const bytes of extraSizes) {
    // The biggest files cost most; the peak shows in two rounds as well as in more.
    const sizeRounds = Math.min(rounds, bytes >= 2 * GiB ? 2 : 3);
    const samples = await measureSize(context, bytes, sizeRounds, {
      clientDownloads: 1,
      curl: false,
      engine: false,
    });
    rows.push(row(`${CLIENT}, fresh process`, bytes, samples.client));
    peaks.push([bytes, Math.max(...samples.client.map((s) => mib(s.peakRssKiB)))]);
    crossChecks.push(...samples.client);
  }

  const cold = median(vsCurl(compared.client));
  const warm = median(vsCurl(compared["client-warm"]));
  // Our process ran two downloads: leave the second out of its time.
  const processRatio = median(
    compared.client.map(
      (s, i) => compared.curl[i]!.processMs / (s.processMs - (compared["client-warm"][i]?.wallMs ?? 0)),
    ),
  );
  const worstPeak = Math.max(...peaks.map(([, peak]) => peak));
  const notes = [
    `Target: ours ÷ curl >= 0.95 at ${size(compareBytes!)}: ${cold >= 0.95 ? "met" : "missed"} for a fresh process (${fixed(cold, 3)}), ` +
      `${warm >= 0.95 ? "met" : "missed"} for a second download in the same process (${fixed(warm, 3)}). ` +
      `Timing whole processes instead (node start-up, imports, a first API call, the download; not the second one), ours ÷ curl: ${fixed(processRatio)}.`,
    `Target: our peak RSS < 100 MiB at every size: ${worstPeak < 100 ? "met" : "missed"} (` +
      peaks.map(([bytes, peak]) => `${size(bytes)}: ${fixed(peak, 1)} MiB`).join(", ") +
      ").",
    "The diagnostic row gets its URL from the parent, as curl does, and never calls `fetch`: the difference " +
      "from our first row is the client (the API calls through `fetch`, and what loading `fetch` costs in memory).",
  ];
  const disagree = crossChecks.filter((s) => {
    if (s.externalRssKiB === undefined || s.peakRssKiB === undefined) return false;
    return Math.abs(s.externalRssKiB - s.peakRssKiB) > 0.1 * s.peakRssKiB;
  });
  if (disagree.length) {
    notes.push(
      `Our self-reported peak RSS and ${rssMethod} disagreed by more than 10% in ${disagree.length} run(s): ` +
        disagree
          .map((s) => `${fixed(mib(s.peakRssKiB), 1)} vs ${fixed(mib(s.externalRssKiB), 1)} MiB`)
          .join(", "),
    );
  }

  return [
    {
      id: "download",
      title: "Download from the sandbox's pre-signed storage (loopback HTTP to a file)",
      method: [
        `Sandbox in the parent; downloads in child processes. Ours: a plain .mjs on the built packages, timed around each call (\`download()\` asks for the URL, streams to \`.part\`, renames), peak RSS from \`process.resourceUsage().maxRSS\`; curl: a fresh URL, \`time_total\`, peak RSS and CPU by ${rssMethod}.`,
        `${rounds} rounds at ${size(compareBytes!)} rotating who goes first, ratios per round; other sizes ours only; every file checked (size, and sha256 up to ${size(SHA_LIMIT)}, else ${SPOT_CHECKS} spot checks) and deleted right before the next download starts (when our child is ready, or just before curl is spawned), so that every contender finds the same page cache.`,
      ],
      columns: Object.keys(rows[0]!),
      rows,
      notes,
    },
  ];
}

export const download: BenchModule = { name: "download", run };
