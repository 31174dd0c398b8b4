// The Flow sandbox's chunked uploads, as flowbio's ChunkedUploader sends them.
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sb, key, call, chunk, upload, sha256, useFlowSandbox } from "./flow-support.js";

useFlowSandbox();

describe("chunked uploads", () => {
  it("assembles a file from byte-offset chunks, threads the id, and creates the data record on the last chunk", async () => {
    const bytes = randomBytes(300_000);
    const size = 64 * 1024;
    const first = await chunk(
      "/upload",
      { filename: "reads.bin", expected_file_size: "0", is_last: "false", data: "" },
      bytes.subarray(0, size),
    );
    expect(first.status).toBe(200);
    const id = first.body.id as string;
    expect(id).toMatch(/^\d+$/);
    // Not a data file until the last chunk.
    expect((await call(`/data/${id}`, { headers: key() })).status).toBe(404);
    let last = first;
    for (let offset = size; offset < bytes.length; offset += size) {
      last = await chunk(
        "/upload",
        {
          filename: "reads.bin",
          expected_file_size: String(offset),
          is_last: String(offset + size >= bytes.length),
          data: id,
        },
        bytes.subarray(offset, offset + size),
      );
      expect(last.status).toBe(200);
      expect(last.body).toEqual({ id });
    }
    const info = sb.upload(id)!;
    expect(info).toMatchObject({ complete: true, received: bytes.length, duplicates: 0 });
    expect(info.offsets).toEqual([0, 65536, 131072, 196608, 262144]);
    expect(info.sha256).toBe(sha256(bytes));
    expect(statSync(info.path).size).toBe(bytes.length);
    const record = await call(`/data/${id}`, { headers: key() });
    expect(record.body).toMatchObject({
      id,
      filename: "reads.bin",
      size: bytes.length,
      is_binary: true,
      category: 1,
    });
    const download = await fetch(`${sb.url}/downloads/${id}/reads.bin`, { headers: key() });
    expect(download.status).toBe(200);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(bytes));
    // Private until shared: anonymous callers get the bare 404.
    expect((await call(`/downloads/${id}/reads.bin`)).status).toBe(404);
  });

  it("acknowledges a resent chunk without appending it, and refuses a gap or a new upload not at 0", async () => {
    const bytes = randomBytes(200_000);
    const size = 50_000;
    const a = await chunk(
      "/upload",
      { filename: "gap.bin", expected_file_size: "0", is_last: "false" },
      bytes.subarray(0, size),
    );
    const id = a.body.id;
    const b = await chunk(
      "/upload",
      { filename: "gap.bin", expected_file_size: String(size), is_last: "false", data: id },
      bytes.subarray(size, 2 * size),
    );
    expect(b.status).toBe(200);
    // The same chunk again (its acknowledgement was "lost"): acknowledged, not appended.
    const again = await chunk(
      "/upload",
      { filename: "gap.bin", expected_file_size: String(size), is_last: "false", data: id },
      bytes.subarray(size, 2 * size),
    );
    expect(again).toMatchObject({ status: 200, body: { id } });
    expect(sb.upload(id)).toMatchObject({ received: 2 * size, duplicates: 1 });
    // A gap: offset 150000 when 100000 bytes are here.
    const gap = await chunk(
      "/upload",
      { filename: "gap.bin", expected_file_size: String(3 * size), is_last: "true", data: id },
      bytes.subarray(3 * size),
    );
    expect(gap.status).toBe(400);
    expect(gap.body.expected_file_size[0]).toContain("Expected offset 100000");
    expect(sb.upload(id)!.received).toBe(2 * size);
    const notAtZero = await chunk(
      "/upload",
      { filename: "gap.bin", expected_file_size: "5", is_last: "true" },
      bytes.subarray(0, 10),
    );
    expect(notAtZero.status).toBe(400);
    const unknown = await chunk(
      "/upload",
      { filename: "gap.bin", expected_file_size: "0", is_last: "true", data: "999999" },
      bytes.subarray(0, 10),
    );
    expect(unknown).toMatchObject({ status: 400, body: { data: [expect.stringContaining("999999")] } });
    // Finishing properly still works, and the file is whole.
    await chunk(
      "/upload",
      { filename: "gap.bin", expected_file_size: String(2 * size), is_last: "false", data: id },
      bytes.subarray(2 * size, 3 * size),
    );
    const end = await chunk(
      "/upload",
      { filename: "gap.bin", expected_file_size: String(3 * size), is_last: "true", data: id },
      bytes.subarray(3 * size),
    );
    expect(end.status).toBe(200);
    expect(sb.upload(id)!.sha256).toBe(sha256(bytes));
  });

  it("refuses spaces in the filename, missing fields and unknown data types with field errors", async () => {
    const spaces = await chunk(
      "/upload",
      { filename: "my file.txt", expected_file_size: "0", is_last: "true" },
      Buffer.from("x"),
    );
    expect(spaces).toMatchObject({ status: 400, body: { filename: ["Spaces in filename"] } });
    const missing = await chunk("/upload", { filename: "a.txt", is_last: "true" }, Buffer.from("x"));
    expect(missing).toMatchObject({ status: 400, body: { expected_file_size: ["This field is required."] } });
    const type = await chunk(
      "/upload",
      { filename: "a.txt", expected_file_size: "0", is_last: "true", data_type: "nope" },
      Buffer.from("x"),
    );
    expect(type.status).toBe(400);
    expect(Object.keys(type.body)).toEqual(["data_type"]);
    const anonymous = await chunk(
      "/upload",
      { filename: "a.txt", expected_file_size: "0", is_last: "true" },
      Buffer.from("x"),
      {},
    );
    expect(anonymous.status).toBe(401);
  });

  it("fails a chosen chunk with 502; the retry at the same offset succeeds", async () => {
    const bytes = randomBytes(5 * 40_000);
    sb.failChunk({ index: 2, filename: "flaky.bin" });
    const size = 40_000;
    let id: string | undefined;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const fields = {
        filename: "flaky.bin",
        expected_file_size: String(i * size),
        is_last: String(i === 4),
        data: id,
      };
      let res = await chunk("/upload", fields, bytes.subarray(i * size, (i + 1) * size));
      statuses.push(res.status);
      if (res.status === 502) res = await chunk("/upload", fields, bytes.subarray(i * size, (i + 1) * size));
      expect(res.status).toBe(200);
      id = res.body.id;
    }
    expect(statuses).toEqual([200, 200, 502, 200, 200]);
    const info = sb.upload(id!)!;
    expect(info.offsets).toEqual([0, 40_000, 80_000, 120_000, 160_000]);
    expect(info.sha256).toBe(sha256(bytes));
  });

  it("can lose an acknowledgement after storing the chunk; the resend is then a duplicate", async () => {
    const bytes = randomBytes(90_000);
    sb.failChunk({ offset: 30_000, filename: "lost-ack.bin", afterStore: true });
    const a = await chunk(
      "/upload",
      { filename: "lost-ack.bin", expected_file_size: "0", is_last: "false" },
      bytes.subarray(0, 30_000),
    );
    const id = a.body.id;
    const fields = { filename: "lost-ack.bin", expected_file_size: "30000", is_last: "false", data: id };
    expect((await chunk("/upload", fields, bytes.subarray(30_000, 60_000))).status).toBe(502);
    expect(sb.upload(id)!.received).toBe(60_000);
    expect((await chunk("/upload", fields, bytes.subarray(30_000, 60_000))).status).toBe(200);
    await chunk(
      "/upload",
      { filename: "lost-ack.bin", expected_file_size: "60000", is_last: "true", data: id },
      bytes.subarray(60_000),
    );
    expect(sb.upload(id)).toMatchObject({ complete: true, duplicates: 1, sha256: sha256(bytes) });
  });

  it("resumes after a failure from the bytes received: acknowledged chunks are never sent twice", async () => {
    const bytes = randomBytes(8 * 32_768);
    const size = 32_768;
    sb.failChunk({ index: 5, filename: "resume.bin", count: 1, reset: true });
    let id: string | undefined;
    let failedAt = -1;
    for (let i = 0; i < 8; i++) {
      try {
        const res = await chunk(
          "/upload",
          {
            filename: "resume.bin",
            expected_file_size: String(i * size),
            is_last: String(i === 7),
            data: id,
          },
          bytes.subarray(i * size, (i + 1) * size),
        );
        id = res.body.id;
      } catch {
        failedAt = i;
        break;
      }
    }
    expect(failedAt).toBe(5);
    // A later session resumes from what the server acknowledged.
    const resumeAt = sb.upload(id!)!.received;
    expect(resumeAt).toBe(5 * size);
    for (let offset = resumeAt; offset < bytes.length; offset += size) {
      const res = await chunk(
        "/upload",
        {
          filename: "resume.bin",
          expected_file_size: String(offset),
          is_last: String(offset + size >= bytes.length),
          data: id,
        },
        bytes.subarray(offset, offset + size),
      );
      expect(res.status).toBe(200);
    }
    const info = sb.upload(id!)!;
    expect(new Set(info.offsets).size).toBe(info.offsets.length);
    expect(info.offsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => i * size));
    expect(info).toMatchObject({ complete: true, duplicates: 0, sha256: sha256(bytes) });
  });

  it("also honours request-level faults with a match function (the shared Faults)", async () => {
    sb.faults.failNext(1, { status: 503, retryAfter: 1, match: (req) => req.url === "/api/upload" });
    const res = await chunk(
      "/upload",
      { filename: "f.txt", expected_file_size: "0", is_last: "true" },
      Buffer.from("hello"),
    );
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    const ok = await chunk(
      "/upload",
      { filename: "f.txt", expected_file_size: "0", is_last: "true" },
      Buffer.from("hello"),
    );
    expect(ok.status).toBe(200);
    const contents = await call(`/data/${ok.body.id}/contents`, { headers: key() });
    expect(contents.body).toEqual({ contents: "hello", has_more: false });
  });

  it("creates a sample from its files on /upload/sample (reads1, then reads2 with previous_data)", async () => {
    const r1 = randomBytes(70_000);
    const r2 = randomBytes(50_000);
    const common = {
      sample_name: "Uploaded-1",
      sample_type: "RNA-Seq",
      organism: "Hs",
      project: sb.fixtures.publicProject,
      strandedness: "reverse",
      tissue: "Liver",
    };
    const first = await upload(r1, {
      filename: "U1_R1.fastq.gz",
      endpoint: "/upload/sample",
      chunkSize: 32_768,
      extra: { ...common, is_last_sample: "false" },
    });
    expect(first.last).toMatchObject({ status: 200, body: { sample_id: null } });
    const second = await upload(r2, {
      filename: "U1_R2.fastq.gz",
      endpoint: "/upload/sample",
      chunkSize: 32_768,
      extra: { ...common, is_last_sample: "true", previous_data: [first.id] },
    });
    expect(second.last.status).toBe(200);
    const sampleId = second.last.body.sample_id as string;
    expect(sampleId).toMatch(/^\d+$/);
    const sample = await call(`/samples/${sampleId}`, { headers: key() });
    expect(sample.body).toMatchObject({
      name: "Uploaded-1",
      sample_type: "RNA-Seq",
      organism: { id: "Hs" },
      project: { id: sb.fixtures.publicProject },
      metadata: { strandedness: { value: "reverse" }, tissue: { value: "Liver" } },
    });
    expect(sample.body.filesets[0].data.map((d: { filename: string }) => d.filename)).toEqual([
      "U1_R1.fastq.gz",
      "U1_R2.fastq.gz",
    ]);
    expect((await call(`/data/${first.id}`, { headers: key() })).body.paired).toEqual({
      id: second.id,
      filename: "U1_R2.fastq.gz",
    });
    // Validation travels with every chunk: unknown type, missing required metadata, spaces in the name.
    const badType = await chunk(
      "/upload/sample",
      { ...common, sample_type: "Nope", filename: "x.fq", expected_file_size: "0", is_last: "true" },
      r1.subarray(0, 10),
    );
    expect(badType.status).toBe(400);
    expect(Object.keys(badType.body)).toEqual(["sample_type"]);
    const { strandedness: _, ...noStrand } = common;
    const required = await chunk(
      "/upload/sample",
      { ...noStrand, filename: "x.fq", expected_file_size: "0", is_last: "true" },
      r1.subarray(0, 10),
    );
    expect(required).toMatchObject({ status: 400, body: { strandedness: ["This field is required."] } });
    const spaced = await chunk(
      "/upload/sample",
      { ...common, sample_name: "a b", filename: "x.fq", expected_file_size: "0", is_last: "true" },
      r1.subarray(0, 10),
    );
    expect(spaced).toMatchObject({ status: 400, body: { sample_name: ["Spaces in sample name"] } });
  });

  it("validates annotation sheets: hard errors, warnings, and ignore_warnings; pairs multiplexed reads", async () => {
    const sheet = (rows: string[]) =>
      Buffer.from(["sample_name,sample_type,organism,barcode", ...rows].join("\n"));
    const invalid = await upload(sheet(["S1,RNA-Seq,Hs,ACGT", ",RNA-Seq,Hs,TTTT"]), {
      filename: "sheet.csv",
      endpoint: "/upload/annotation",
    });
    expect(invalid.last).toMatchObject({
      status: 400,
      body: { validation: [{ row: 3, message: "Sample name is required" }] },
    });
    const warned = sheet(["S1,RNA-Seq,Hs,ACGT", "S2,RNA-Seq,Martian,TTTT"]);
    const warning = await upload(warned, { filename: "sheet.csv", endpoint: "/upload/annotation" });
    expect(warning.last).toMatchObject({ status: 400, body: { warnings: [{ row: 3, column: "organism" }] } });
    const accepted = await upload(warned, {
      filename: "sheet.csv",
      endpoint: "/upload/annotation",
      extra: { ignore_warnings: "true" },
    });
    expect(accepted.last.status).toBe(200);
    expect((await call(`/data/${accepted.id}`, { headers: key() })).body).toMatchObject({
      category: 2,
      is_binary: false,
    });
    const reads1 = await upload(randomBytes(1000), {
      filename: "plex_R1.fastq.gz",
      endpoint: "/upload/multiplexed",
    });
    const reads2 = await upload(randomBytes(1000), {
      filename: "plex_R2.fastq.gz",
      endpoint: "/upload/multiplexed",
      extra: { reads1: reads1.id },
    });
    expect(reads2.last.status).toBe(200);
    expect((await call(`/data/${reads2.id}`, { headers: key() })).body.paired).toEqual({
      id: reads1.id,
      filename: "plex_R1.fastq.gz",
    });
    const stray = await chunk(
      "/upload/multiplexed",
      { filename: "p.fq", expected_file_size: "0", is_last: "true", reads1: "424242" },
      Buffer.from("x"),
    );
    expect(Object.keys(stray.body)).toEqual(["reads1"]);
  });
});
