// Downloads through the BUILT packages, in a process of their own so that the peak RSS is ours
// alone (no tsx, no sandbox). Once the client is ready it prints `{"ready":{}}` and waits for a
// line on stdin (the parent frees the previous file's pages just then, as it does right before
// it starts curl). One download per destination, one after the other. After each it prints
// `{"download":{…}}` and, when another follows, waits for a line on stdin (the parent checks and
// deletes the file first, so the disk holds one at a time); it ends with `{"done":{…}}`. Usage:
//   node download.mjs client <baseUrl> <apiKey> <destination>...   createStomicsClient().download()
//   node download.mjs engine <url> <destination>...                core's downloadToFile(url) alone
// Each mode imports only what it uses, so the engine's RSS carries no client code.
const [mode, ...args] = process.argv.slice(2);
const usage = () => {
  console.error("usage: node download.mjs client <baseUrl> <apiKey> <dest>... | engine <url> <dest>...");
  process.exit(2);
};

let destinations;
let run;
if (mode === "client") {
  const [baseUrl, apiKey, ...rest] = args;
  if (!baseUrl || !apiKey || rest.length === 0) usage();
  destinations = rest;
  const { createStomicsClient } = await import("@sciportals/stomics");
  const client = createStomicsClient({ baseUrl, apiKey, env: false });
  // Load fetch's machinery first, as any program that used the client before would have.
  await client.getDataset({ path: { accession: "STD0001" } });
  run = (destination, onProgress) =>
    client.download(
      "getDatasetFileDownloadUrl",
      { path: { accession: "STD0001", file_id: 1 } },
      destination,
      { overwrite: true, onProgress },
    );
} else if (mode === "engine") {
  const [url, ...rest] = args;
  if (!url || rest.length === 0) usage();
  destinations = rest;
  const { downloadToFile } = await import("@sciportals/core/node");
  run = (destination, onProgress) => downloadToFile(url, destination, { overwrite: true, onProgress });
} else {
  usage();
}

const rssBeforeKiB = Math.round(process.memoryUsage().rss / 1024);
const lines = (await import("node:readline"))
  .createInterface({ input: process.stdin })
  [Symbol.asyncIterator]();
console.log(JSON.stringify({ ready: {} }));
if ((await lines.next()).done) process.exit(3); // the parent gave up
for (const [i, destination] of destinations.entries()) {
  let progressReports = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await run(destination, () => void progressReports++);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const download = {
    wallMs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    userSeconds: cpu.user / 1e6,
    size: result.size,
    attempts: result.attempts,
    progressReports,
  };
  console.log(JSON.stringify({ download }));
  if (i < destinations.length - 1) {
    const next = await lines.next();
    if (next.done) process.exit(3); // the parent gave up
  }
}

console.log(JSON.stringify({ done: { rssBeforeKiB, maxRssKiB: process.resourceUsage().maxRSS } }));
process.exit(0);
