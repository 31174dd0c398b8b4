// Uploads one file to the Flow sandbox in a process of its own (so its peak RSS is the
// uploader's alone), through the BUILT packages, and prints `{"upload":{…}}`. Usage:
//   node upload.mjs ours <baseUrl> <apiKey> <file> <chunkBytes>   client.upload("uploadData", …)
//   node upload.mjs raw  <baseUrl> <apiKey> <file>                one fetch POST: the whole file as one chunk
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import { Readable } from "node:stream";

const [mode, baseUrl, apiKey, file, chunkBytes] = process.argv.slice(2);
const size = statSync(file).size;
let id;
let wallMs;
if (mode === "ours") {
  const { createFlowClient } = await import("@sciportals/flow");
  const client = createFlowClient({ baseUrl, token: apiKey, env: false });
  await client.getMe(); // load fetch's machinery first, as a program that used the client would have
  const started = performance.now();
  const result = await client.upload("uploadData", {}, file, { chunkSize: Number(chunkBytes) });
  wallMs = performance.now() - started;
  id = result.uploadId;
} else if (mode === "raw") {
  await fetch(`${baseUrl}/me`, { headers: { authorization: `Bearer ${apiKey}` } });
  const boundary = "----benchboundary";
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="filename"\r\n\r\n${basename(file)}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="expected_file_size"\r\n\r\n0\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="is_last"\r\n\r\ntrue\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="blob"; filename="${basename(file)}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  async function* body() {
    yield Buffer.from(head);
    yield* createReadStream(file, { highWaterMark: 1 << 20 });
    yield Buffer.from(tail);
  }
  const started = performance.now();
  const response = await fetch(`${baseUrl}/upload`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${apiKey}`,
      "content-type": `multipart/form-data; boundary=${boundary}`,
      "content-length": String(Buffer.byteLength(head) + size + Buffer.byteLength(tail)),
    },
    body: Readable.toWeb(Readable.from(body())),
    duplex: "half",
  });
  const answer = await response.json();
  wallMs = performance.now() - started;
  if (!response.ok) throw new Error(`raw POST failed: ${response.status} ${JSON.stringify(answer)}`);
  id = answer.id;
} else {
  console.error("usage: node upload.mjs ours|raw <baseUrl> <apiKey> <file> [chunkBytes]");
  process.exit(2);
}
console.log(
  JSON.stringify({ upload: { id, bytes: size, wallMs, peakRssKiB: process.resourceUsage().maxRSS } }),
);
