import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runMeasured } from "../lib/process.js";
import { fixed, int, median, range } from "../lib/stats.js";
import type { BenchContext, BenchModule, Row, Table } from "../lib/types.js";

const CHILD = fileURLToPath(new URL("../children/paging.mjs", import.meta.url));

/** A dataset summary as STOmics lists them; `accession` numbers the item. */
function dataset(n: number) {
  return {
    accession: `STD${String(n).padStart(7, "0")}`,
    title: `Synthetic dataset ${n}`,
    technology: { id: 1 + (n % 4), name: "Stereo-seq" },
    species: "Mus musculus",
    tissue: "brain",
    download_count: n % 997,
    release_date: "2024-01-01",
    file_count: 1 + (n % 5),
  };
}

/**
 * `GET /api/v1/datasets?page=&per_page=` over `total` items, each page answered after
 * `latencyMs` (a timer, so the server's own work stays out of it). Bodies are built once.
 */
async function startPagedServer(total: number, latencyMs: number): Promise<{ url: string; server: Server }> {
  const bodies = new Map<string, Buffer>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://bench");
    if (url.pathname !== "/api/v1/datasets") {
      res.writeHead(404).end();
      return;
    }
    const page = Number(url.searchParams.get("page") ?? 1);
    const perPage = Number(url.searchParams.get("per_page") ?? 20);
    const key = `${page}/${perPage}`;
    let body = bodies.get(key);
    if (!body) {
      const items = [];
      for (let n = (page - 1) * perPage + 1; n <= Math.min(total, page * perPage); n++)
        items.push(dataset(n));
      body = Buffer.from(JSON.stringify({ items, total, page, per_page: perPage }));
      if (perPage > 1) bodies.set(key, body);
    }
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    }, latencyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

const MODES = [
  { id: "naive", label: "naive loop: `await listDatasets({ page })`, work, next page" },
  { id: "ours", label: "ours: `paginate(…).byPage()` (prefetch on, the default)" },
  { id: "no-prefetch", label: "diagnostic: ours with `{ prefetch: false }`" },
] as const;

/**
 * A paged walk with consumer work per page about equal to the page latency: a naive loop against
 * core's `paginate()`, which asks for the next page while the consumer works on this one.
 */
async function run(context: BenchContext): Promise<Table[]> {
  const total = context.quick ? 20_000 : 100_000;
  const perPage = 100;
  const latencyMs = Number(context.option("page-latency-ms") ?? 3);
  const workMs = Number(context.option("page-work-ms") ?? latencyMs);
  const rounds = context.rounds(3, 1);
  const pagesExpected = Math.ceil(total / perPage);
  const checksumExpected = (total * (total + 1)) / 2;
  const { url, server } = await startPagedServer(total, latencyMs);
  const samples = new Map<string, { wallMs: number[]; busyMs: number[] }>(
    MODES.map((m) => [m.id, { wallMs: [], busyMs: [] }]),
  );
  const ratios: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      context.log(`paging: round ${round + 1} of ${rounds}`);
      // Alternate who goes first.
      const order = round % 2 === 0 ? MODES : [...MODES].reverse();
      const wall: Record<string, number> = {};
      for (const mode of order) {
        const measured = await runMeasured(
          process.execPath,
          [CHILD, mode.id, url, String(perPage), String(workMs)],
          { rssFile: join(context.workDir, "rss.txt") },
        );
        const line = measured.stdout.split("\n").find((l) => l.startsWith('{"walk"'));
        if (measured.code !== 0 || !line)
          throw new Error(`paging ${mode.id} failed: ${measured.stderr.trim().split("\n").pop()}`);
        const walk = JSON.parse(line).walk as {
          items: number;
          pages: number;
          checksum: number;
          wallMs: number;
          busyMs: number;
        };
        if (walk.items !== total || walk.pages !== pagesExpected || walk.checksum !== checksumExpected)
          throw new Error(
            `paging ${mode.id}: walked ${walk.items} items in ${walk.pages} pages, not every item once`,
          );
        samples.get(mode.id)!.wallMs.push(walk.wallMs);
        samples.get(mode.id)!.busyMs.push(walk.busyMs);
        wall[mode.id] = walk.wallMs;
      }
      ratios.push(wall.naive! / wall.ours!);
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }

  const naiveMs = median(samples.get("naive")!.wallMs);
  const rows: Row[] = MODES.map((mode) => {
    const s = samples.get(mode.id)!;
    const perSecond = s.wallMs.map((ms) => total / (ms / 1000));
    return {
      walker: mode.label,
      "walk s (median)": fixed(median(s.wallMs) / 1000),
      "items/s (median)": int(median(perSecond)),
      "items/s (min–max)": range(perSecond, int),
      "ms per page": fixed(median(s.wallMs) / pagesExpected),
      "of which consumer work": fixed(median(s.busyMs) / pagesExpected),
      "naive ÷ this (median)": mode.id === "ours" ? fixed(median(ratios)) : fixed(naiveMs / median(s.wallMs)),
    };
  });
  const ratio = median(ratios);
  return [
    {
      id: "paging",
      title: `Paged walk: ${int(total)} items, ${perPage} a page, ${latencyMs} ms page latency, ${workMs} ms of work per page`,
      method: [
        `A loopback server in the parent answers STOmics \`listDatasets\` pages after ${latencyMs} ms (a timer); each walker runs in its own process on the built packages and spins the CPU for ${workMs} ms per page, touching every item (every walk is checked: every item once, in ${pagesExpected} pages).`,
        `${rounds} rounds alternating who goes first; naive ÷ ours is taken per round (ratio of walk times), then the median. Ideal for equal latency and work: 2.`,
      ],
      columns: Object.keys(rows[0]!),
      rows,
      notes: [`Target naive ÷ ours >= 1.5: ${ratio >= 1.5 ? "met" : "missed"} (${fixed(ratio)}).`],
    },
  ];
}

export const paging: BenchModule = { name: "paging", run };
