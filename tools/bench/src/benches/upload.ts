import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { startFlowSandbox } from "@sciportals/sandbox";
import { runMeasured, rssMethod } from "../lib/process.js";
import { fixed, int, median, MiB, range } from "../lib/stats.js";
import type { BenchModule, Row } from "../lib/types.js";

const CHILD = fileURLToPath(new URL("../children/upload.mjs", import.meta.url));

/** A file of pseudo-random bytes, written a MiB at a time; returns its sha256. */
export async function makeFile(path: string, bytes: number): Promise<string> {
  const file = await open(path, "w");
  const block = Buffer.alloc(MiB);
  let x = 2463534242;
  for (let i = 0; i < MiB; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  for (let written = 0; written < bytes; written += MiB) {
    block.writeUInt32LE(written / MiB, 0); // every MiB differs, so a misplaced chunk shows
    await file.write(block, 0, Math.min(MiB, bytes - written));
  }
  await file.close();
  const hash = createHash("sha256");
  await pipeline(createReadStream(path, { highWaterMark: MiB }), hash);
  return hash.digest("hex");
}

/**
 * Upload throughput and peak RSS: `client.upload()` (chunked, 1 MiB chunks as the protocol's
 * default) against one raw `fetch` POST of the same bytes as a single chunk, each in a process
 * of its own, to the Flow sandbox in the parent process (which writes and hashes the file).
 */
export const upload: BenchModule = {
  name: "upload",
  async run(context) {
    const big = (context.quick ? 128 : 1024) * MiB;
    const small = 64 * MiB;
    const rounds = context.rounds(3, 1);
    const flow = await startFlowSandbox({ maxChunkBytes: big + MiB, samples: 5 });
    const rows: Row[] = [];
    try {
      const files = new Map<number, { path: string; sha: string }>();
      for (const bytes of [small, big]) {
        const path = join(context.workDir, `reads-${bytes / MiB}.fastq`);
        context.log(`upload: writing a ${bytes / MiB} MiB file`);
        files.set(bytes, { path, sha: await makeFile(path, bytes) });
      }
      const run = async (mode: "ours" | "raw", bytes: number, chunkBytes = MiB) => {
        const { path, sha } = files.get(bytes)!;
        const measured = await runMeasured(
          process.execPath,
          [CHILD, mode, flow.url, flow.apiKey, path, String(chunkBytes)],
          {
            rssFile: join(context.workDir, "rss.txt"),
          },
        );
        const line = measured.stdout.split("\n").find((l) => l.startsWith('{"upload"'));
        if (measured.code !== 0 || !line)
          throw new Error(`${mode} upload failed: ${measured.stderr.trim().split("\n").pop()}`);
        const result = JSON.parse(line).upload as { id: string; wallMs: number; peakRssKiB: number };
        const stored = flow.upload(String(result.id));
        if (!stored?.complete || stored.sha256 !== sha)
          throw new Error(`${mode}: the sandbox did not receive the file intact`);
        return {
          mibs: bytes / MiB / (result.wallMs / 1000),
          rss: (measured.peakRssKiB ?? result.peakRssKiB) / 1024,
        };
      };
      const series: Record<string, { mibs: number[]; rss: number[] }> = {};
      const add = (name: string, sample: { mibs: number; rss: number }) => {
        series[name] ??= { mibs: [], rss: [] };
        series[name]!.mibs.push(sample.mibs);
        series[name]!.rss.push(sample.rss);
      };
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        context.log(`upload: round ${round + 1} of ${rounds}`);
        // Alternate who goes first.
        const order = round % 2 === 0 ? (["ours", "raw"] as const) : (["raw", "ours"] as const);
        const pair: Record<string, number> = {};
        for (const mode of order) {
          const sample = await run(mode, big);
          add(mode, sample);
          pair[mode] = sample.mibs;
        }
        ratios.push(pair.ours! / pair.raw!);
        add("ours-8", await run("ours", big, 8 * MiB));
        add("ours-small", await run("ours", small));
      }
      const label = (bytes: number) =>
        bytes >= 1024 * MiB ? `${bytes / 1024 / MiB} GiB` : `${bytes / MiB} MiB`;
      const row = (
        client: string,
        file: string,
        s: { mibs: number[]; rss: number[] },
        ratio?: string,
      ): Row => ({
        client,
        file,
        "MiB/s (median)": int(median(s.mibs)),
        "MiB/s (min–max)": range(s.mibs, int),
        "÷ raw POST (median)": ratio ?? "",
        "peak RSS MiB (median)": int(median(s.rss)),
      });
      rows.push(
        row("ours: `client.upload()`, 1 MiB chunks", label(big), series.ours!, fixed(median(ratios))),
      );
      rows.push(row("one raw `fetch` POST of the whole file", label(big), series.raw!, "1"));
      rows.push(row("ours: 8 MiB chunks", label(big), series["ours-8"]!));
      rows.push(row("ours: 1 MiB chunks", label(small), series["ours-small"]!));
      const ratio = median(ratios);
      const rssBig = median(series.ours!.rss);
      const rssSmall = median(series["ours-small"]!.rss);
      return [
        {
          id: "upload",
          title: `Upload to the Flow sandbox (${rounds} rounds)`,
          method: [
            "Each upload in its own process through the built packages; the sandbox (parent process) writes the file to disk and hashes it, and every upload is checked against the file's sha256.",
            `Ours and the raw POST alternate; ratios are per round, then the median. Peak RSS by ${rssMethod}.`,
          ],
          columns: [
            "client",
            "file",
            "MiB/s (median)",
            "MiB/s (min–max)",
            "÷ raw POST (median)",
            "peak RSS MiB (median)",
          ],
          rows,
          notes: [
            `Target ours >= 0.9 of the raw POST: ${ratio >= 0.9 ? "met" : "missed"} (${fixed(ratio)}).`,
            `Target peak RSS < 100 MiB whatever the size: ${rssBig < 100 && rssSmall < 100 ? "met" : "missed"} (${int(rssSmall)} MiB at ${label(small)}, ${int(rssBig)} MiB at ${label(big)}).`,
          ],
        },
      ];
    } finally {
      await flow.close(); // the runner removes the work folder and the files in it
    }
  },
};
