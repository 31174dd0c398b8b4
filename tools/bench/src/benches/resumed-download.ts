import { join } from "node:path";
import { createGenestackOdmClient } from "@sciportals/genestack-odm";
import { startOdmSandbox } from "@sciportals/sandbox";
import type { BenchModule, Row } from "../lib/types.js";

const MiB = 1 << 20;

/**
 * A download whose connection is cut part-way, resumed by the client with Range + If-Range:
 * the bytes the server sent (counted by the sandbox), divided by the file's size. A client that
 * restarted from zero would show about 1 + the cut fraction.
 */
export const resumedDownload: BenchModule = {
  name: "resumed-download",
  async run(context) {
    const sizeMiB = context.quick ? 32 : 256;
    const odm = await startOdmSandbox({ bigFileBytes: sizeMiB * MiB });
    const rows: Row[] = [];
    try {
      const client = createGenestackOdmClient({ baseUrl: odm.url, apiToken: odm.apiToken, env: false });
      const accession = odm.catalog.bigFile;
      const size = sizeMiB * MiB;
      for (const fraction of [0.1, 0.5, 0.9]) {
        const before = odm.bytesServed(accession);
        odm.cutNextDownload(Math.floor(size * fraction), { accession });
        context.log(`resumed download: cut at ${fraction * 100} %`);
        const result = await client.download(
          "getFileAsUser",
          { path: { id: accession } },
          join(context.workDir, `cut-${fraction}.bin`),
        );
        const served = odm.bytesServed(accession) - before;
        rows.push({
          file: `${sizeMiB} MiB`,
          "cut at": `${fraction * 100} %`,
          requests: String(result.attempts),
          "bytes served ÷ file size": (served / result.size).toFixed(4),
          verified: result.size === size ? "size" : `SIZE ${result.size}`,
        });
      }
    } finally {
      await odm.close();
    }
    const worst = Math.max(...rows.map((r) => Number(r["bytes served ÷ file size"])));
    return [
      {
        id: "resumed-download",
        title: "Resumed download: bytes transferred for a download cut part-way (Genestack ODM sandbox)",
        method: [
          "The sandbox cuts the connection once at the given fraction; `client.download()` resumes with Range + If-Range.",
          "Bytes are counted by the server for every request of the download, headers excluded.",
        ],
        columns: ["file", "cut at", "requests", "bytes served ÷ file size", "verified"],
        rows,
        notes: [`Target at most 1.001: ${worst <= 1.001 ? "met" : "missed"} (worst ${worst.toFixed(4)}).`],
      },
    ];
  },
};
