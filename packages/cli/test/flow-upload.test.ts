// `sciportals flow upload …` on the built binary against the Flow sandbox: the bytes and the
// sample fields the sandbox received, the sheet checked before anything is sent, faults recovered.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFlowSandbox, type FlowSandbox } from "@sciportals/sandbox";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bin, run, tempHome, type RunResult } from "./run.js";

const CHUNK = 1_000_000;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("sciportals flow upload", { timeout: 60_000 }, () => {
  let sb: FlowSandbox;
  let env: Record<string, string>;
  let work: string;
  const outputs: RunResult[] = [];

  /** Runs the binary and keeps what it printed, to check that no output ever holds the token. */
  const flow = async (...args: string[]) => flowWith({}, ...args);
  const flowWith = async (extra: Record<string, string>, ...args: string[]) => {
    const result = await run(["flow", "upload", ...args], { ...env, ...extra });
    outputs.push(result);
    return result;
  };
  /** A file of random bytes (reads are binary: gzip) in the work folder. */
  const file = (name: string, size: number, dir = work) => {
    const bytes = randomBytes(size);
    writeFileSync(join(dir, name), bytes);
    return { path: join(dir, name), bytes };
  };
  /** The sandbox's record of an upload: every byte arrived, and they are the file's. */
  const expectReceived = (id: string, bytes: Uint8Array) => {
    const upload = sb.upload(id);
    expect(upload, `upload ${id}`).toMatchObject({ complete: true, received: bytes.length });
    expect(upload!.sha256).toBe(sha256(bytes));
  };
  const started = () => sb.stats.uploads.started;

  beforeAll(async () => {
    sb = await startFlowSandbox({ samples: 12, bigFileBytes: 1024 });
    env = { ...tempHome(), FLOW_BASE_URL: sb.url, FLOW_API_TOKEN: sb.apiKey };
    work = mkdtempSync(join(tmpdir(), "sciportals-flow-upload-"));
  });

  afterEach(() => {
    sb.faults.clear();
    expect(sb.violations).toEqual([]);
  });

  afterAll(async () => {
    await sb.close();
    rmSync(work, { recursive: true, force: true });
    // The token went in through the environment; no command printed it, --verbose included.
    expect(outputs.length).toBeGreaterThan(10);
    for (const { stdout, stderr } of outputs) {
      expect(stdout + stderr).not.toContain(sb.apiKey);
      expect(stdout + stderr).not.toContain(sb.readOnlyApiKey);
    }
  });

  it("upload data: several files in 1,000,000-byte chunks, their bytes and data type on Flow, a JSON summary", async () => {
    const big = file("run1.fastq.gz", 2 * CHUNK + 4321);
    const small = file("notes.txt", 500);
    const result = await flow("data", big.path, small.path, "--data-type", "fastq", "--output", "json");
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.counts).toEqual({ uploaded: 2, failed: 0 });
    expect(summary.failed).toEqual([]);
    const [first, second] = summary.uploaded;
    expect(first).toMatchObject({ file: big.path, size: big.bytes.length });
    expect(second).toMatchObject({ file: small.path, size: 500 });
    expectReceived(first.id, big.bytes);
    expectReceived(second.id, small.bytes);
    expect(sb.upload(first.id)!.offsets).toEqual([0, CHUNK, 2 * CHUNK]);
    expect(sb.upload(first.id)!.endpoint).toBe("data");
    expect(sb.store.data.get(first.id)).toMatchObject({
      filename: "run1.fastq.gz",
      dataType: "fastq",
      size: big.bytes.length,
    });
    // Not a TTY: the display writes plain lines to stderr, one per file and the batch's totals.
    expect(result.stderr.match(/^done +\S+ \(.*data \d+\)$/gm)).toHaveLength(2);
    expect(result.stderr).toMatch(/2\/2 files · 1\.9 MiB \/ 1\.9 MiB/);
  });

  it("upload data: --no-progress prints nothing on stderr; a data type Flow refuses is exit 5", async () => {
    const one = file("plain.bed", 1234);
    const quiet = await flow("data", one.path, "--no-progress", "--verbose");
    expect(quiet.status, quiet.stderr).toBe(0);
    const id = /^.*plain\.bed: data (\d+)$/m.exec(quiet.stdout)![1]!;
    expectReceived(id, one.bytes);
    expect(quiet.stdout).toMatch(/^1 uploaded, 0 failed$/m);
    // --verbose logs the chunk's request and status (never a credential); nothing else is on stderr.
    expect(quiet.stderr).toMatch(/^> POST http:\/\/127\.0\.0\.1:\d+\/api\/upload\n< 200 OK \(\d+ ms\)\n$/);

    const refused = await flow("data", one.path, "--data-type", "nope", "--no-progress");
    expect(refused.status).toBe(5);
    expect(refused.stderr).toContain("data_type");
  });

  it("upload sample: a paired-end sample with flowbio's flags; the sandbox has its fields, metadata and both files", async () => {
    const r1 = file("liver_R1.fastq.gz", CHUNK + 17);
    const r2 = file("liver_R2.fastq.gz", CHUNK - 5);
    const before = sb.store.samples.size;
    const result = await flow(
      "sample",
      "--name",
      "liver_1",
      "--type",
      "RNA-Seq",
      "--project",
      sb.fixtures.privateProject,
      "--organism",
      "Hs",
      "--reads1",
      r1.path,
      "--reads2",
      r2.path,
      "--metadata",
      "strandedness=reverse",
      "--metadata",
      "condition=fasted=12h",
      "--metadata-json",
      '{"tissue": "Liver"}',
    );
    expect(result.status, result.stderr).toBe(0);
    const [, sampleId, ids] = /^sample (\d+) \(liver_1\): data (\d+, \d+)$/m.exec(result.stdout)!;
    const [id1, id2] = ids!.split(", ");
    expect(sb.store.samples.size).toBe(before + 1);
    const sample = sb.store.samples.get(sampleId!)!;
    expect(sample).toMatchObject({
      name: "liver_1",
      sampleType: "RNA-Seq",
      organism: "Hs",
      projectId: sb.fixtures.privateProject,
    });
    expect(sample.metadata).toEqual({
      strandedness: { value: "reverse", annotation: null },
      condition: { value: "fasted=12h", annotation: null },
      tissue: { value: "Liver", annotation: null },
    });
    expectReceived(id1!, r1.bytes);
    expectReceived(id2!, r2.bytes);
    const fileset = [...sb.store.filesets.values()].find((f) => f.sampleId === sampleId)!;
    expect(fileset.dataIds).toEqual([id1, id2]);
    expect(sb.store.data.get(id1!)!.pairedId).toBe(id2);
  });

  it("upload sample: usage errors are exit 2 and send nothing", async () => {
    const r1 = file("u_R1.fastq.gz", 100);
    const before = started();
    const missing = await flow("sample", "--name", "x", "--sample-type", "RNA-Seq");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--reads1");
    const unknown = await flow(
      "sample",
      "--name",
      "x",
      "--sample-type",
      "RNA-Seq",
      "--reads1",
      r1.path,
      "--bogus",
    );
    expect(unknown.status).toBe(2);
    const noType = await flow("sample", "--name", "x", "--reads1", r1.path);
    expect(noType.status).toBe(2);
    expect(noType.stderr).toContain("--sample-type");
    const spaces = await flow(
      "sample",
      "--name",
      "my sample",
      "--sample-type",
      "RNA-Seq",
      "--reads1",
      r1.path,
    );
    expect(spaces.status).toBe(2);
    const noFile = await flow(
      "sample",
      "--name",
      "x",
      "--sample-type",
      "RNA-Seq",
      "--reads1",
      join(work, "absent.fq"),
    );
    expect(noFile.status).toBe(2);
    expect(noFile.stderr).toContain("absent.fq");
    const badPair = await flow(
      "sample",
      "--name",
      "x",
      "--sample-type",
      "RNA-Seq",
      "--reads1",
      r1.path,
      "--metadata",
      "novalue",
    );
    expect(badPair.status).toBe(2);
    const protocol = await flow(
      "sample",
      "--name",
      "x",
      "--sample-type",
      "RNA-Seq",
      "--reads1",
      r1.path,
      "--metadata",
      "filename=a",
    );
    expect(protocol.status).toBe(2);
    const concurrency = await flow("data", r1.path, "--concurrency", "0");
    expect(concurrency.status).toBe(2);
    expect(started()).toBe(before);
    // A field Flow refuses (strandedness is required for RNA-Seq): exit 5, Flow's message.
    const refused = await flow(
      "sample",
      "--name",
      "x",
      "--sample-type",
      "RNA-Seq",
      "--reads1",
      r1.path,
      "--no-progress",
    );
    expect(refused.status).toBe(5);
    expect(refused.stderr).toContain("strandedness");
  });

  it("upload multiplexed: warnings refuse the sheet (exit 5) until --ignore-warnings; errors always do; then the reads follow it", async () => {
    const r1 = file("plex_R1.fastq.gz", CHUNK + 999);
    const r2 = file("plex_R2.fastq.gz", 2048);
    const warned = join(work, "annotation.csv");
    writeFileSync(warned, "sample_name,sample_type,organism\nA1,RNA-Seq,Hs\nA2,RNA-Seq,Martian\n");
    const before = started();

    const refused = await flow(
      "multiplexed",
      "--reads1",
      r1.path,
      "--reads2",
      r2.path,
      "--annotation",
      warned,
    );
    expect(refused.status).toBe(5);
    expect(refused.stderr).toContain("--ignore-warnings");
    expect(refused.stderr).toContain("row 3, organism: Unknown organism");
    // Only the sheet was sent: no reads.
    expect(sb.uploads().filter((u) => u.endpoint === "multiplexed")).toHaveLength(0);
    expect(started()).toBe(before + 1);

    const invalid = join(work, "invalid.csv");
    writeFileSync(invalid, "sample_name,sample_type\nB1,RNA-Seq\n,RNA-Seq\n");
    const errors = await flow(
      "multiplexed",
      "--reads1",
      r1.path,
      "--annotation",
      invalid,
      "--ignore-warnings",
    );
    expect(errors.status).toBe(5);
    expect(errors.stderr).toContain("row 3, sample_name: Sample name is required");
    expect(sb.uploads().filter((u) => u.endpoint === "multiplexed")).toHaveLength(0);

    const accepted = await flow(
      "multiplexed",
      "--reads1",
      r1.path,
      "--reads2",
      r2.path,
      "--annotation",
      warned,
      "--ignore-warnings",
      "--output",
      "json",
    );
    expect(accepted.status, accepted.stderr).toBe(0);
    const summary = JSON.parse(accepted.stdout);
    expect(summary.warnings).toEqual(["row 3, organism: Unknown organism; it will be ignored"]);
    expect(accepted.stderr).toContain("accepted warning: row 3, organism");
    expect(sb.upload(summary.annotation_id)).toMatchObject({ endpoint: "annotation", complete: true });
    const [id1, id2] = summary.data_ids;
    expectReceived(id1, r1.bytes);
    expectReceived(id2, r2.bytes);
    expect(sb.upload(id1)!.endpoint).toBe("multiplexed");
    expect(sb.store.data.get(id2)!.pairedId).toBe(id1);
  });

  it("stops on Ctrl-C: exit 130, and the unfinished file is not a data file on Flow", async () => {
    const big = file("interrupted.fastq.gz", 8 * CHUNK);
    // Slow every request so that the upload is still running when it is interrupted.
    sb.faults.delayNext(300, 100);
    const chunks = sb.stats.uploads.chunks;
    const result = await new Promise<RunResult>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, "flow", "upload", "data", big.path], {
        env: { PATH: process.env.PATH ?? "", ...env },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const poll = setInterval(() => {
        if (sb.stats.uploads.chunks >= chunks + 2) {
          clearInterval(poll);
          child.kill("SIGINT");
        }
      }, 20);
      child.on("error", reject);
      child.on("close", (status) => {
        clearInterval(poll);
        resolve({ status, stdout, stderr });
      });
    });
    outputs.push(result);
    expect(result.status, result.stderr).toBe(130);
    expect(result.stderr).toContain("interrupted");
    const upload = sb.uploads().find((u) => u.filename === "interrupted.fastq.gz")!;
    expect(upload.complete).toBe(false);
    expect(upload.received).toBeLessThan(big.bytes.length);
    expect(sb.store.data.get(upload.id)!.ready).toBe(false);
  });

  it("a refused credential stops a multi-file upload at the first file: exit 3, said once", async () => {
    const a = file("ro_a.bed", 100);
    const b = file("ro_b.bed", 100);
    const c = file("ro_c.bed", 100);
    const before = sb.requests.length;
    const result = await flowWith(
      { FLOW_API_TOKEN: sb.readOnlyApiKey },
      ...["data", a.path, b.path, c.path, "--concurrency", "1"],
    );
    expect(result.status).toBe(3);
    expect(result.stderr).toContain("stopped: nothing more was sent");
    expect(result.stderr).toContain("sciportals flow login");
    expect(result.stderr.match(/^sciportals: /gm)).toHaveLength(1);
    const refused = sb.requests.slice(before).filter((r) => r.path.startsWith("/api/upload"));
    expect(refused.map((r) => r.status)).toEqual([403]);
  });

  describe("upload batch", () => {
    let dir: string;
    let reads: Record<string, Uint8Array>;
    beforeAll(() => {
      // The sheet in its own folder, its reads beside it in a subfolder: paths relative to the sheet.
      dir = join(work, "run42");
      mkdirSync(join(dir, "fastq"), { recursive: true });
      reads = {};
      for (const name of ["s1_R1", "s1_R2", "s2_R1", "s3_R1", "s3_R2", "s4_R1"])
        reads[name] = file(
          `${name}.fastq.gz`,
          name.endsWith("R1") ? CHUNK + 1000 : 70_000,
          join(dir, "fastq"),
        ).bytes;
    });
    const sheet = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };

    it("refuses a sheet with bad rows before sending anything: exit 2, every problem with its row", async () => {
      const bad = sheet(
        "bad.csv",
        [
          "name,reads1,reads2,organism,strandedness,flavour",
          "s1,fastq/s1_R1.fastq.gz,fastq/s1_R2.fastq.gz,Hs,reverse,sweet",
          "s2,fastq/missing.fastq.gz,,Hs,,",
          "s3,fastq/s3_R1.fastq.gz,fastq/s3_R2.fastq.gz,Mm,forward,",
        ].join("\n"),
      );
      const before = started();
      const result = await flow("batch", bad, "--sample-type", "RNA-Seq");
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("nothing was uploaded");
      expect(result.stderr).toContain("unknown column flavour");
      expect(result.stderr).toMatch(/row 2 \(s2\), line 3: reads1: no file .*missing\.fastq\.gz/);
      expect(result.stderr).toContain("row 2 (s2), line 3: strandedness is empty");
      expect(result.stderr).not.toMatch(/row [13] /);
      expect(started()).toBe(before);

      const unknownType = await flow("batch", bad, "--sample-type", "Nope-Seq");
      expect(unknownType.status).toBe(2);
      expect(unknownType.stderr).toContain('unknown sample type "Nope-Seq"');
      expect(started()).toBe(before);
    });

    it("uploads every row, --concurrency samples at a time, through a 5xx burst and a cut connection", async () => {
      const good = sheet(
        "good.csv",
        [
          "name,reads1,reads2,project,organism,strandedness,condition,condition__annotation",
          `s1,fastq/s1_R1.fastq.gz,fastq/s1_R2.fastq.gz,${sb.fixtures.privateProject},Hs,reverse,control,`,
          "s2,fastq/s2_R1.fastq.gz,,,Mm,forward,,",
          `"s3",fastq/s3_R1.fastq.gz,${join(dir, "fastq/s3_R2.fastq.gz")},,Hs,unstranded,"treated, 2h",dosed at noon`,
        ].join("\r\n"),
      );
      // Three 503s in a row on s2's second chunk, and s3's reads1 cut after its first chunk was stored.
      sb.failChunk({ filename: "s2_R1.fastq.gz", index: 1, status: 503, count: 3 });
      sb.failChunk({ filename: "s3_R1.fastq.gz", index: 1, reset: true });
      sb.failChunk({ filename: "s1_R1.fastq.gz", index: 1, afterStore: true, reset: true });
      const refusedBefore = sb.stats.uploads.refused;
      const result = await flow(
        "batch",
        good,
        "--sample-type",
        "RNA-Seq",
        "--concurrency",
        "2",
        "--output",
        "json",
      );
      expect(result.status, result.stderr).toBe(0);
      expect(sb.stats.uploads.refused - refusedBefore).toBe(5);
      const summary = JSON.parse(result.stdout);
      expect(summary.counts).toEqual({ uploaded: 3, failed: 0 });
      expect(summary.uploaded.map((u: { row: number; name: string }) => [u.row, u.name])).toEqual([
        [1, "s1"],
        [2, "s2"],
        [3, "s3"],
      ]);
      const byName = Object.fromEntries(summary.uploaded.map((u: { name: string }) => [u.name, u]));
      const files = { s1: ["s1_R1", "s1_R2"], s2: ["s2_R1"], s3: ["s3_R1", "s3_R2"] };
      for (const [name, names] of Object.entries(files)) {
        const { sample_id, data_ids } = byName[name];
        expect(data_ids).toHaveLength(names.length);
        names.forEach((n, i) => expectReceived(data_ids[i], reads[n]!));
        expect(sb.store.samples.get(sample_id)).toMatchObject({ name, sampleType: "RNA-Seq" });
      }
      expect(sb.store.samples.get(byName.s1.sample_id)).toMatchObject({
        organism: "Hs",
        projectId: sb.fixtures.privateProject,
        metadata: { strandedness: { value: "reverse" }, condition: { value: "control" } },
      });
      expect(sb.store.samples.get(byName.s2.sample_id)).toMatchObject({ organism: "Mm", projectId: null });
      expect(sb.store.samples.get(byName.s3.sample_id)!.metadata.condition!.value).toBe("treated, 2h");
      // The acknowledgement lost after s1_R1's chunk was stored: the resend was a duplicate, not appended.
      expect(sb.upload(byName.s1.data_ids[0])!.duplicates).toBe(1);
      // The progress display counted files: 5 of 5 done.
      expect(result.stderr).toMatch(/5\/5 files/);
    });

    it("exits 1 with the summary when a row fails on Flow, after uploading the others", async () => {
      const mixed = sheet(
        "mixed.csv",
        [
          "name,reads1,organism,strandedness",
          "m1,fastq/s4_R1.fastq.gz,Hs,reverse",
          "m2,fastq/s2_R1.fastq.gz,Xx,reverse",
        ].join("\n"),
      );
      const result = await flow("batch", mixed, "--sample-type", "RNA-Seq", "--no-progress");
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/^row 1 \(m1\): sample \d+$/m);
      expect(result.stdout).toMatch(/^1 uploaded, 1 failed$/m);
      expect(result.stderr).toMatch(/failed: row 2 \(m2\): .*organism/);
    });
  });
});
