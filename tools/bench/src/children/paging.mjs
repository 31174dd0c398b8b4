// Walks every page of STOmics `listDatasets` from a loopback server in a process of its own,
// through the BUILT packages, working `workMs` on each page, and prints `{"walk":{…}}`. The work
// is `wait` (awaits a timer: a consumer that writes the page somewhere) or `cpu` (spins: one that
// computes on it). Usage:
//   node paging.mjs naive       <baseUrl> <perPage> <workMs> <wait|cpu>   await a page, work, ask for the next
//   node paging.mjs ours        <baseUrl> <perPage> <workMs> <wait|cpu>   client.paginate(…).byPage() (prefetch)
//   node paging.mjs no-prefetch <baseUrl> <perPage> <workMs> <wait|cpu>   the same with { prefetch: false }
import { createStomicsClient } from "@sciportals/stomics";

const [mode, baseUrl, perPageText, workMsText, workKind = "wait"] = process.argv.slice(2);
const perPage = Number(perPageText);
const workMs = Number(workMsText);
const client = createStomicsClient({ baseUrl, apiKey: "sk-bench", env: false });

let items = 0;
let pages = 0;
let checksum = 0; // every item, each once: the parent checks the sum of their numbers
let busyMs = 0;

/** The consumer's work on a page: `workMs` of waiting or of CPU, touching every item. */
async function work(page) {
  const started = performance.now();
  for (const item of page) checksum += Number(item.accession.slice(3));
  items += page.length;
  pages++;
  if (workKind === "cpu") while (performance.now() - started < workMs);
  else if (workMs > 0) await new Promise((resolve) => setTimeout(resolve, workMs));
  busyMs += performance.now() - started;
}

// Load fetch's machinery first, as a program that used the client would have.
await client.listDatasets({ query: { page: 1, per_page: 1 } });

const started = performance.now();
if (mode === "naive") {
  for (let page = 1; ; page++) {
    const data = await client.listDatasets({ query: { page, per_page: perPage } });
    await work(data.items);
    if (data.items.length < perPage || items >= data.total) break;
  }
} else if (mode === "ours" || mode === "no-prefetch") {
  const walk = client.paginate(
    "listDatasets",
    { query: { per_page: perPage } },
    { prefetch: mode === "ours" },
  );
  for await (const page of walk.byPage()) await work(page.items);
} else {
  console.error("usage: node paging.mjs naive|ours|no-prefetch <baseUrl> <perPage> <workMs> [wait|cpu]");
  process.exit(2);
}
const wallMs = performance.now() - started;
console.log(JSON.stringify({ walk: { items, pages, checksum, wallMs, busyMs } }));
