/**
 * Bytes the Flow sandbox serves besides content.ts's virtual files: generated text files (kept
 * small, so the contents preview and the download agree) and uploaded files on disk. Served with
 * the same Range / If-Range / ETag / 416 / HEAD semantics as content.ts's serveFile (which only
 * knows virtual files), with constant memory for files on disk.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Faults } from "../faults.js";
import { prng } from "../prng.js";
import type { TextFlavour } from "./store.js";

export interface ByteSource {
  size: number;
  etag: string;
  lastModified: Date;
  contentType: string;
  /** Bytes from `start` to `end` (exclusive). */
  read(start: number, end: number): AsyncIterable<Buffer> | Iterable<Buffer>;
}

export function bufferSource(data: Buffer, contentType: string, lastModified: Date): ByteSource {
  return {
    size: data.length,
    etag: `"${createHash("sha1").update(data).digest("hex").slice(0, 20)}"`,
    lastModified,
    contentType,
    read: (start, end) => [data.subarray(start, end)],
  };
}

export function diskSource(
  path: string,
  size: number,
  sha256: string,
  contentType: string,
  lastModified: Date,
): ByteSource {
  return {
    size,
    etag: `"${sha256.slice(0, 20)}"`,
    lastModified,
    contentType,
    read: (start, end) =>
      end > start ? createReadStream(path, { start, end: end - 1, highWaterMark: 1 << 20 }) : [],
  };
}

/** Serves a byte source with one-range semantics; faults can cut the body after some bytes. */
export async function serveSource(
  req: IncomingMessage,
  res: ServerResponse,
  source: ByteSource,
  faults: Faults | undefined,
  onBytes?: (n: number) => void,
): Promise<void> {
  const lastModified = new Date(Math.floor(source.lastModified.getTime() / 1000) * 1000).toUTCString();
  const headers: Record<string, string | number> = {
    "content-type": source.contentType,
    "accept-ranges": "bytes",
    etag: source.etag,
    "last-modified": lastModified,
  };
  let start = 0;
  let end = source.size;
  let status = 200;
  const range = req.headers.range;
  const ifRange = req.headers["if-range"];
  if (range && (ifRange === undefined || ifRange === source.etag || ifRange === lastModified)) {
    const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    const unsatisfiable = () => {
      res.writeHead(416, { "content-range": `bytes */${source.size}` });
      res.end();
    };
    if (!match || (match[1] === "" && match[2] === "")) return unsatisfiable();
    if (match[1] === "") start = Math.max(0, source.size - Number(match[2]));
    else {
      start = Number(match[1]);
      if (match[2] !== "") end = Math.min(source.size, Number(match[2]) + 1);
    }
    if (start >= source.size || start >= end) return unsatisfiable();
    status = 206;
    headers["content-range"] = `bytes ${start}-${end - 1}/${source.size}`;
  }
  headers["content-length"] = end - start;
  res.writeHead(status, headers);
  if (req.method === "HEAD") return void res.end();
  const cutAfter = faults?.takeCut(req);
  let sent = 0;
  const iterable = source.read(start, end);
  try {
    for await (const piece of iterable as AsyncIterable<Buffer>) {
      let chunk = piece;
      if (cutAfter !== undefined && sent + chunk.length >= cutAfter) {
        chunk = chunk.subarray(0, Math.max(0, cutAfter - sent));
        onBytes?.(chunk.length);
        res.write(chunk, () => res.destroy());
        return;
      }
      sent += chunk.length;
      onBytes?.(chunk.length);
      if (!res.write(chunk)) {
        if (res.destroyed) return;
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off("drain", done);
            res.off("close", done);
            resolve();
          };
          res.on("drain", done);
          res.on("close", done);
        });
      }
      if (res.destroyed) return;
    }
    res.end();
  } finally {
    const closable = iterable as { destroy?: () => void };
    closable.destroy?.();
  }
}

// ---------------------------------------------------------------- generated text

const GENES = [
  "ACTB",
  "GAPDH",
  "TP53",
  "MYC",
  "EGFR",
  "BRCA1",
  "SOX2",
  "PAX6",
  "NANOG",
  "POU5F1",
  "ALB",
  "INS",
  "CD4",
  "CD8A",
  "FOXP3",
  "VIM",
  "KRT14",
  "COL1A1",
  "MKI67",
  "HBB",
  "ELAVL1",
  "TARDBP",
  "FUS",
  "PTBP1",
];
const CACHE = new Map<string, Buffer>();

/** Deterministic text of exactly `size` bytes (ASCII), shaped like the file type. */
export function generateText(flavour: TextFlavour, seed: number, size: number, title = "Report"): Buffer {
  const key = `${flavour}:${seed}:${size}`;
  const cached = CACHE.get(key);
  if (cached) return cached;
  const rand = prng(seed);
  const lines: string[] = [];
  let length = 0;
  const push = (line: string) => {
    lines.push(line);
    length += line.length + 1;
  };
  const gene = () => GENES[Math.floor(rand() * GENES.length)]!;
  const footer = flavour === "html" ? "</table></body></html>\n" : "";
  if (flavour === "tsv") push("gene_id\tgene_name\tcount\ttpm");
  if (flavour === "csv") push("sample_name,sample_type,organism,barcode");
  if (flavour === "html") push(`<!DOCTYPE html><html><head><title>${title}</title></head><body><table>`);
  let n = 0;
  while (length < size - footer.length) {
    n++;
    if (flavour === "tsv")
      push(
        `ENSG${String(n).padStart(11, "0")}\t${gene()}\t${Math.floor(rand() * 5000)}\t${(rand() * 300).toFixed(2)}`,
      );
    else if (flavour === "csv")
      push(`Sample-${String(n).padStart(3, "0")},RNA-Seq,Hs,${["ACGT", "TGCA", "GATC", "CTAG"][n % 4]}${n}`);
    else if (flavour === "bed") {
      const startPos = Math.floor(rand() * 1e8);
      push(
        `chr${1 + Math.floor(rand() * 22)}\t${startPos}\t${startPos + 200 + Math.floor(rand() * 800)}\tpeak_${n}\t${Math.floor(rand() * 1000)}\t+`,
      );
    } else if (flavour === "html") push(`<tr><td>${gene()}</td><td>${(rand() * 100).toFixed(1)}%</td></tr>`);
    else if (flavour === "fasta")
      push(
        n % 11 === 1 ? `>seq${n}` : Array.from({ length: 60 }, () => "ACGT"[Math.floor(rand() * 4)]).join(""),
      );
    else push(`[${new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString()}] step ${n}: ${gene()} ok`);
  }
  let text = lines.join("\n") + "\n";
  text = text.slice(0, Math.max(0, size - footer.length)) + footer;
  const buffer = Buffer.from(text.slice(0, size).padEnd(size, " "), "latin1");
  CACHE.set(key, buffer);
  return buffer;
}
