// The Flow sandbox's downloads: single files by every credential placement, bulk jobs, imports.
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { bearer, call, key, login, postJson, sb, sha256, sleep, useFlowSandbox } from "./flow-support.js";

useFlowSandbox();
describe("downloads", () => {
  it("serves data with Content-Disposition and HEAD, ignores Range; any mismatch is a bare 404", async () => {
    const id = sb.fixtures.bigData;
    const record = await call(`/data/${id}`);
    const name = record.body.filename as string;
    const whole = await fetch(`${sb.url}/downloads/${id}/${name}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-disposition")).toBe(`attachment; filename="${name}"`);
    const bytes = new Uint8Array(await whole.arrayBuffer());
    expect(bytes.length).toBe(record.body.size);
    expect(sha256(bytes)).toBe(await sb.dataSha256(id));
    const inline = await fetch(`${sb.url}/downloads/${id}/${name}?direct=yes`, { method: "HEAD" });
    expect(inline.headers.get("content-disposition")).toBeNull();
    expect(Number(inline.headers.get("content-length"))).toBe(bytes.length);
    // Range is ignored (no source shows it honoured): the whole file, even past the end.
    const ranged = await fetch(`${sb.url}/downloads/${id}/${name}`, {
      headers: { range: `bytes=${bytes.length}-`, "if-range": whole.headers.get("etag")! },
    });
    expect(ranged.status).toBe(200);
    expect(Number(ranged.headers.get("content-length"))).toBe(bytes.length);
    await ranged.body?.cancel();
    const wrong = await call(`/downloads/${id}/other.fastq.gz`);
    expect(wrong).toMatchObject({ status: 404, body: "" });
  });

  it("cuts a download when told to; a resume gets the whole file again", async () => {
    const id = sb.fixtures.textData;
    const name = (await call(`/data/${id}`)).body.filename as string;
    sb.faults.cutNext(10_000, 1, (req) => req.url?.startsWith(`/api/downloads/${id}/`) ?? false);
    const cut = await fetch(`${sb.url}/downloads/${id}/${name}`);
    const received: Buffer[] = [];
    await expect(
      (async () => {
        for await (const piece of cut.body as unknown as AsyncIterable<Uint8Array>)
          received.push(Buffer.from(piece));
      })(),
    ).rejects.toThrow();
    const head = Buffer.concat(received);
    expect(head.length).toBe(10_000);
    // A resume asks for the rest and gets the whole file: the client starts over.
    const rest = await fetch(`${sb.url}/downloads/${id}/${name}`, {
      headers: { range: `bytes=${head.length}-` },
    });
    expect(rest.status).toBe(200);
    const whole = Buffer.from(await rest.arrayBuffer());
    expect(whole.subarray(0, head.length).equals(head)).toBe(true);
    expect(createHash("sha256").update(whole).digest("hex")).toBe(await sb.dataSha256(id));
    // The same text through the contents preview, 10 KB at a time.
    const pages: string[] = [];
    for (let position = 0; ; position++) {
      const page = await call(`/data/${id}/contents?position=${position}`);
      pages.push(page.body.contents);
      if (!page.body.has_more) break;
    }
    expect(pages.join("")).toBe(whole.toString("latin1"));
    expect((await call(`/data/${sb.fixtures.bigData}/contents`)).body).toEqual({ error: "Data is binary" });
  });

  it("serves an annotation template as a real .xlsx (a zip) with the type's columns", async () => {
    const res = await fetch(`${sb.url}/annotation/RNA-Seq`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    );
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 2).toString()).toBe("PK");
    expect(bytes.toString("latin1")).toContain("<t>strandedness</t>");
    expect((await call("/annotation/Unknown")).status).toBe(404);
  });
});

describe("downloads: credential placements, bulk jobs", () => {
  /** A private file of Alice's: from her private sample's fileset. */
  async function privateFile() {
    const sample = await call(`/samples/${sb.fixtures.privateSample}`, { headers: key() });
    const file = sample.body.filesets[0].data[0] as { id: string; filename: string };
    return { path: `/downloads/${file.id}/${file.filename}`, sha: await sb.dataSha256(file.id) };
  }

  it("accepts a Bearer header, ?token= or the refresh cookie; every refusal is a bare 404", async () => {
    const { path, sha } = await privateFile();
    const bytesOf = async (res: Response) => sha256(new Uint8Array(await res.arrayBuffer()));
    const viaBearer = await fetch(`${sb.url}${path}`, { headers: key() });
    expect(viaBearer.status).toBe(200);
    expect(await bytesOf(viaBearer)).toBe(sha);
    const jwt = (await login()).body.token;
    const viaQuery = await fetch(`${sb.url}${path}?token=${encodeURIComponent(jwt)}`);
    expect(viaQuery.status).toBe(200);
    expect(await bytesOf(viaQuery)).toBe(sha);
    const viaKeyInQuery = await fetch(`${sb.url}${path}?token=${sb.apiKey}&direct=yes`);
    expect(viaKeyInQuery.status).toBe(200);
    expect(viaKeyInQuery.headers.get("content-disposition")).toBeNull();
    await viaKeyInQuery.arrayBuffer();
    const viaCookie = await fetch(`${sb.url}${path}`, { headers: { cookie: (await login()).cookie } });
    expect(viaCookie.status).toBe(200);
    expect(await bytesOf(viaCookie)).toBe(sha);

    const bob = (await login("bob", sb.store.userByName("bob")!.password)).body.token;
    for (const init of [
      {},
      { headers: bearer("not-a-token") },
      { headers: bearer(bob) },
      { headers: { cookie: "flow_refresh_token=forged" } },
    ]) {
      const refused = await call(path, init);
      expect(refused).toMatchObject({ status: 404, body: "" });
      expect(refused.headers.get("content-type")).toBeNull();
    }
    expect(await call(`${path}?token=forged`)).toMatchObject({ status: 404, body: "" });
    expect(sb.violations).toEqual([]);
  });

  it("builds a bulk download: pending, running, completed, then a tar.gz of the files", async () => {
    const { path } = await privateFile();
    const [, , privateId, privateName] = path.split("/");
    const textId = sb.fixtures.textData;
    const textName = (await call(`/data/${textId}`)).body.filename as string;
    expect((await postJson("/downloads", { data: [textId] })).status).toBe(401);
    const started = await postJson("/downloads", { data: [textId, Number(privateId)] }, key());
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: "pending", progress: 0 });
    const job = started.body.id as string;
    expect(job).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await call(`/downloads/${job}`, { headers: key() })).toMatchObject({ status: 404, body: "" });

    const seen = new Set<string>();
    let status: any;
    for (let i = 0; i < 100; i++) {
      status = (await call(`/downloads/status?id=${job}`, { headers: key() })).body;
      seen.add(status.status);
      if (status.status === "completed") break;
      await sleep(50);
    }
    expect([...seen]).toEqual(expect.arrayContaining(["running", "completed"]));
    expect(status).toMatchObject({ progress: 100, download_url: `/downloads/${job}` });
    const bob = (await login("bob", sb.store.userByName("bob")!.password)).body.token;
    expect((await call(`/downloads/status?id=${job}`, { headers: bearer(bob) })).status).toBe(404);
    expect(await call(`/downloads/${job}`, { headers: bearer(bob) })).toMatchObject({
      status: 404,
      body: "",
    });

    const archive = await fetch(`${sb.url}/downloads/${job}`, { headers: key() });
    expect(archive.status).toBe(200);
    expect(archive.headers.get("content-type")).toBe("application/gzip");
    const tar = gunzipSync(Buffer.from(await archive.arrayBuffer()));
    const names: string[] = [];
    for (let at = 0; at + 512 <= tar.length && tar[at] !== 0;) {
      const name = tar
        .subarray(at, at + 100)
        .toString("utf8")
        .replace(/\0.*$/s, "");
      const size = parseInt(tar.subarray(at + 124, at + 136).toString("utf8"), 8);
      names.push(name);
      const body = tar.subarray(at + 512, at + 512 + size);
      const id = name.split("/")[0]!;
      expect(sha256(body)).toBe(await sb.dataSha256(id));
      at += 512 + Math.ceil(size / 512) * 512;
    }
    expect(names).toEqual([`${textId}/${textName}`, `${privateId}/${decodeURIComponent(privateName!)}`]);
    expect(sb.violations).toEqual([]);
  });

  it("refuses a bulk download of data the caller cannot read", async () => {
    const { path } = await privateFile();
    const bob = (await login("bob", sb.store.userByName("bob")!.password)).body.token;
    const refused = await postJson("/downloads", { data: [path.split("/")[2]] }, bearer(bob));
    expect(refused.status).toBe(400);
    expect(refused.body.error.data[0]).toMatch(/^Unknown data/);
  });
});

describe("accession imports (/v2/sample-imports)", () => {
  async function waitForImport(id: number) {
    for (let i = 0; i < 100; i++) {
      const job = await call(`/v2/sample-imports/${id}`, { headers: key() });
      if (job.body.status !== "RUNNING") return job;
      await sleep(50);
    }
    throw new Error(`import ${id} never finished`);
  }

  it("imports accessions as one job: RUNNING, then COMPLETED with sample ids in order", async () => {
    const body = {
      imports: [
        { accession: "ERR1160845", sample_type: "RNA-Seq", metadata: { strandedness: "reverse" } },
        {
          accession: "ERR10677146",
          sample_type: "RNA-Seq",
          name: "liver_r1",
          organism: "Hs",
          metadata: { strandedness: "forward" },
        },
      ],
    };
    expect((await postJson("/v2/sample-imports", body)).status).toBe(401);
    const started = await postJson("/v2/sample-imports", body, key());
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      status: "RUNNING",
      accessions: ["ERR1160845", "ERR10677146"],
      sample_ids: [],
    });
    const done = await waitForImport(started.body.id);
    expect(done.body.status).toBe("COMPLETED");
    expect(done.body.sample_ids).toHaveLength(2);
    const names = await Promise.all(
      done.body.sample_ids.map(
        async (id: number) => (await call(`/samples/${id}`, { headers: key() })).body.name,
      ),
    );
    expect(names).toEqual(["ERR1160845", "liver_r1"]);
    expect(sb.violations).toEqual([]);
  });

  it("refuses a bad entry with 422, fails a job it cannot fetch, and hides other users' jobs", async () => {
    const bogus = await postJson(
      "/v2/sample-imports",
      { imports: [{ accession: "ERR1160845", sample_type: "bogus" }] },
      key(),
    );
    expect(bogus).toMatchObject({ status: 422, body: { error: "sample type 'bogus' does not exist" } });
    const format = await postJson(
      "/v2/sample-imports",
      { imports: [{ accession: "not-an-accession", sample_type: "RNA-Seq" }] },
      key(),
    );
    expect(format.status).toBe(422);
    expect((await postJson("/v2/sample-imports", { imports: [] }, key())).status).toBe(400);
    const failing = await postJson(
      "/v2/sample-imports",
      {
        imports: [{ accession: "ERR9000000", sample_type: "RNA-Seq", metadata: { strandedness: "reverse" } }],
      },
      key(),
    );
    const failed = await waitForImport(failing.body.id);
    expect(failed.body).toMatchObject({ status: "FAILED", sample_ids: [] });
    expect(failed.body.error).toContain("ERR9000000");
    const bob = (await login("bob", sb.store.userByName("bob")!.password)).body.token;
    expect((await call(`/v2/sample-imports/${failing.body.id}`, { headers: bearer(bob) })).status).toBe(404);
    expect(sb.violations).toEqual([]);
  });
});
