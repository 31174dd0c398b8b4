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

interface Walk {
  items: number;
  pages: number;
  checksum: number;
  wallMs: number;
  busyMs: number;
}

/** One walk in a child process of its own. */
async function walk(
  context: BenchContext,
  mode: string,
  url: string,
  perPage: number,
  workMs: number,
  workKind: string,
): Promise<Walk> {
  const measured = await runMeasured(
    process.execPath,
    [CHILD, mode, url, String(perPage), String(workMs), workKind],
    {
      rssFile: join(context.workDir, "rss.txt"),
    },
  );
  const line = measured.stdout.split("\n").find((l) => l.startsWith('{"walk"'));
  if (measured.code !== 0 || !line)
    throw new Error(`paging ${mode} failed: ${measured.stderr.trim().split("\n").pop()}`);
  return JSON.parse(line).walk as Walk;
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
  // `wait`: the consumer awaits (writes the page somewhere), so the walk measures the client and
  // not how much CPU a busy machine has to spare; `cpu`: it spins, competing with the server.
  const workKind = context.option("page-work") ?? "wait";
  if (workKind !== "wait" && workKind !== "cpu")
    throw new Error(`--page-work is wait or cpu, not ${workKind}`);
  const rounds = context.rounds(3, 1);
  const pagesExpected = Math.ceil(total / perPage);
  const checksumExpected = (total * (total + 1)) / 2;
  // A page takes longer than the server's delay (the round trip, the client, a busy machine): the
  // consumer works as long as a page really takes, measured by a walk with no work, unless told.
  const workOption = context.option("page-work-ms");
  let workMs: number;
  let measuredPageMs: number | undefined;
  if (workOption !== undefined) workMs = Number(workOption);
  else {
    // 200 pages from a server of their own, with the same delay.
    const short = await startPagedServer(Math.min(total, 200 * perPage), latencyMs);
    try {
      const calibration = await walk(context, "naive", short.url, perPage, 0, workKind);
      measuredPageMs = calibration.wallMs / calibration.pages;
      workMs = Math.round(measuredPageMs * 10) / 10;
    } finally {
      await new Promise((resolve) => short.server.close(resolve));
    }
  }
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
        const walked = await walk(context, mode.id, url, perPage, workMs, workKind);
        if (walked.items !== total || walked.pages !== pagesExpected || walked.checksum !== checksumExpected)
          throw new Error(
            `paging ${mode.id}: walked ${walked.items} items in ${walked.pages} pages, not every item once`,
          );
        samples.get(mode.id)!.wallMs.push(walked.wallMs);
        samples.get(mode.id)!.busyMs.push(walked.busyMs);
        wall[mode.id] = walked.wallMs;
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
      "of which the consumer's": fixed(median(s.busyMs) / pagesExpected),
      "naive ÷ this (median)": mode.id === "ours" ? fixed(median(ratios)) : fixed(naiveMs / median(s.wallMs)),
    };
  });
  const ratio = median(ratios);
  return [
    {
      id: "paging",
      title: `Paged walk: ${int(total)} items, ${perPage} a page, ${latencyMs} ms server delay, ${workMs} ms of ${workKind === "cpu" ? "CPU work" : "waiting"} per page`,
      method: [
        `A loopback server in the parent answers STOmics \`listDatasets\` pages after ${latencyMs} ms (a timer); each walker runs in its own process on the built packages and ${workKind === "cpu" ? "spins the CPU" : "awaits a timer"} for ${workMs} ms per page, touching every item (every walk is checked: every item once, in ${pagesExpected} pages). ` +
          (measuredPageMs === undefined
            ? "The work per page was set by `page-work-ms`."
            : `The work per page equals the page latency as measured first by a walk without work (${fixed(measuredPageMs)} ms a page).`),
        `${rounds} rounds alternating who goes first; naive ÷ ours is taken per round (ratio of walk times), then the median. Ideal for equal latency and work: 2.`,
      ],
      columns: Object.keys(rows[0]!),
      rows,
      notes: [`Target naive ÷ ours >= 1.5: ${ratio >= 1.5 ? "met" : "missed"} (${fixed(ratio)}).`],
    },
  ];
}

export const paging: BenchModule = { name: "paging", run };
