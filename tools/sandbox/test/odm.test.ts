import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startOdmSandbox, type OdmSandbox } from "../src/odm/index.js";

const BIG = 3 * 1024 * 1024 + 12_345;
const STEP = 150;
let odm: OdmSandbox;
beforeAll(async () => {
  odm = await startOdmSandbox({
    bigFileBytes: BIG,
    jobDurations: { startingMs: STEP, runningMs: STEP, stoppingMs: STEP },
  });
});
afterAll(() => odm.close());
// Every request and response the tests make must match the spec.
afterEach(() => expect(odm.violations).toEqual([]));

type Json = any;
const token = () => ({ "genestack-api-token": odm.apiToken });
const api = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  fetch(`${odm.url}/api/v1${path}`, { ...init, headers: { ...token(), ...init.headers } });
const json = async (path: string, headers: Record<string, string> = {}): Promise<Json> => {
  const res = await api(path, { headers });
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return res.json();
};
const q = (params: Record<string, string | number | boolean>) =>
  new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
const sha256 = (parts: Uint8Array[]) => {
  const hash = createHash("sha256");
  parts.forEach((p) => hash.update(p));
  return hash.digest("hex");
};
/** Reads a body until it ends or the connection drops; returns what arrived. */
async function drain(res: Response): Promise<{ parts: Uint8Array[]; bytes: number; broken: boolean }> {
  const reader = res.body!.getReader();
  const parts: Uint8Array[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { parts, bytes, broken: false };
      parts.push(value);
      bytes += value.length;
    }
  } catch {
    return { parts, bytes, broken: true };
  }
}
const fileNamed = (name: string) => odm.catalog.files.find((f) => f.name === name)!;
const download = (accession: string) => `/as-user/files/${accession}/download`;

describe("authentication", () => {
  it("answers 401 without a token, or with an unknown one", async () => {
    const none = await fetch(`${odm.url}/api/v1/as-user/studies`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect((await none.json()).message).toContain("Genestack-API-Token");
    const wrong = await fetch(`${odm.url}/api/v1/as-user/studies`, {
      headers: { "genestack-api-token": "nope" },
    });
    expect(wrong.status).toBe(401);
  });

  it("accepts a Genestack API token or an access token as a bearer token (any case of 'Bearer')", async () => {
    expect((await api("/as-user/studies?pageLimit=1")).status).toBe(200);
    for (const scheme of ["Bearer", "bearer"]) {
      const res = await fetch(`${odm.url}/api/v1/as-user/studies?pageLimit=1`, {
        headers: { authorization: `${scheme} ${odm.accessToken}` },
      });
      expect(res.status).toBe(200);
    }
    const users = odm.requests.slice(-3).map((r) => r.user);
    expect(users).toEqual(["api.user@example.org", "idp.user@example.org", "idp.user@example.org"]);
  });

  it("lets the bearer (IdP) token win when both are sent", async () => {
    const bothValid = await fetch(`${odm.url}/api/v1/as-user/studies?pageLimit=1`, {
      headers: { authorization: `Bearer ${odm.accessToken}`, "genestack-api-token": "not-a-token" },
    });
    expect(bothValid.status).toBe(200);
    expect(odm.requests.at(-1)).toMatchObject({ credential: "accessToken", user: "idp.user@example.org" });
    const badBearer = await fetch(`${odm.url}/api/v1/as-user/studies?pageLimit=1`, {
      headers: { authorization: "Bearer expired", "genestack-api-token": odm.apiToken },
    });
    expect(badBearer.status).toBe(401);
  });

  it("never records credentials, and stops accepting a revoked token", async () => {
    const extra = await startOdmSandbox({ apiTokens: ["t1", "t2"] });
    try {
      const call = (t: string) =>
        fetch(`${extra.url}/api/v1/as-user/studies?pageLimit=1`, { headers: { "genestack-api-token": t } });
      expect((await call("t2")).status).toBe(200);
      extra.revokeToken("t2");
      expect((await call("t2")).status).toBe(401);
      expect((await call("t1")).status).toBe(200);
      expect(JSON.stringify(extra.requests)).not.toContain('t2"');
    } finally {
      await extra.close();
    }
  });
});

describe("files: listing and metadata", () => {
  it("pages by offset with totals that add up, and refuses pageLimit outside 0..2000", async () => {
    const all = await json("/as-user/files");
    expect(all.meta.pagination).toEqual({
      count: all.data.length,
      total: all.data.length,
      offset: 0,
      limit: 2000,
    });
    const seen: string[] = [];
    for (let offset = 0; offset < all.meta.pagination.total; offset += 4) {
      const page = await json(`/as-user/files?pageLimit=4&pageOffset=${offset}`);
      expect(page.meta.pagination).toMatchObject({ offset, limit: 4, total: all.data.length });
      expect(page.meta.pagination.count).toBe(page.data.length);
      seen.push(...page.data.map((f: Json) => f["genestack:accession"]));
    }
    expect(seen).toEqual(all.data.map((f: Json) => f["genestack:accession"]));
    expect((await json("/as-user/files?pageLimit=0")).data).toEqual([]);
    for (const bad of ["pageLimit=2001", "pageLimit=-1", "pageOffset=-5", "pageLimit=ten"]) {
      const res = await api(`/as-user/files?${bad}`);
      expect(res.status, bad).toBe(400);
    }
    expect((await api("/as-user/studies?pageLimit=5000")).status).toBe(400);
  });

  it("filters by metadata, full text, data class and HDF5 structure", async () => {
    const names = async (params: Record<string, string>) =>
      (await json(`/as-user/files?${q(params)}`)).data.map((f: Json) => f["genestack:name"]).sort();
    expect(await names({ filter: '"Data Class"=Document' })).toEqual(
      odm.catalog.files
        .filter((f) => f.dataClass === "Document")
        .map((f) => f.name)
        .sort(),
    );
    expect(await names({ dataClass: "Proteomics" })).toEqual(["raw_spectra.raw"]);
    expect(await names({ query: '"quality-control figures"' })).toEqual(["qc_figures.zip"]);
    expect(await names({ fullPath: "/obs/__categories/integrated_snn_res.0.5" })).toEqual([
      "pbmc_atlas.h5ad",
    ]);
    expect(await names({ partialPath: "matrix/features" })).toEqual(["filtered_feature_bc_matrix.h5"]);
    expect(await names({ group: "obsm" })).toEqual(["pbmc_atlas.h5ad"]);
    expect(await names({ dataset: "barcodes" })).toEqual(["filtered_feature_bc_matrix.h5"]);
    expect(await names({ dataset: "obsm" })).toEqual([]);
    expect((await api(`/as-user/files?${q({ filter: '"Data Class"=' })}`)).status).toBe(400);
  });

  it("gives a file's metadata by accession, with contents only for .h5/.h5ad/.zip/.gz files", async () => {
    const big = await json(`/as-user/files/${odm.catalog.bigFile}?includeContents=true`);
    expect(big["genestack:name"]).toBe("pbmc_atlas.h5ad");
    expect(big.contents.datasets.map((d: Json) => d.name)).toContain("seurat_clusters");
    expect((await json(`/as-user/files/${odm.catalog.bigFile}`)).contents).toBeUndefined();
    const zip = await json(`/as-user/files/${fileNamed("qc_figures.zip").accession}?includeContents=true`);
    expect(zip.contents.files).toHaveLength(4);
    const gz = await json(
      `/as-user/files/${fileNamed("pseudobulk_counts.tsv.gz").accession}?includeContents=true`,
    );
    expect(gz.contents.files[0].path).toBe("pseudobulk_counts.tsv");
    const broken = await json(
      `/as-user/files/${fileNamed("legacy_genotypes.h5").accession}?includeContents=true`,
    );
    expect(broken.contents.error).toContain("Unable to read HDF5");
    const pdf = await json(
      `/as-user/files/${fileNamed("study_protocol.pdf").accession}?includeContents=true`,
    );
    expect(pdf.contents).toBeUndefined();
    const all = await json("/as-user/files?includeContents=true");
    expect(all.data.filter((f: Json) => f.contents).length).toBe(4 + 1);
    expect((await api("/as-user/files/GSF9999999")).status).toBe(404);
  });

  it("serves the list as TSV when asked", async () => {
    const res = await api("/as-user/files?pageLimit=3", { headers: { accept: "text/tab-separated-values" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/tab-separated-values");
    const lines = (await res.text()).trimEnd().split("\n");
    expect(lines[0]!.split("\t").slice(0, 3)).toEqual([
      "genestack:accession",
      "genestack:name",
      "Data Class",
    ]);
    expect(lines).toHaveLength(4);
    expect(lines[1]!.startsWith(`${odm.catalog.bigFile}\tpbmc_atlas.h5ad\t`)).toBe(true);
  });
});

describe("files: downloads", () => {
  it("downloads a whole file with ETag, Last-Modified and Accept-Ranges, bytes matching the fixture", async () => {
    const res = await api(download(odm.catalog.bigFile));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(BIG));
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("etag")).toBe(odm.fileContent(odm.catalog.bigFile).etag);
    expect(new Date(res.headers.get("last-modified")!).getTime()).toBeGreaterThan(0);
    expect(res.headers.get("content-disposition")).toContain("pbmc_atlas.h5ad");
    const { parts, bytes } = await drain(res);
    expect(bytes).toBe(BIG);
    expect(sha256(parts)).toBe(odm.fileContent(odm.catalog.bigFile).sha256());
    expect(odm.requests.at(-1)!.bytesSent).toBe(BIG);
  });

  it.each([
    ["bytes=0-1023", `bytes 0-1023/${BIG}`, 1024],
    [`bytes=${BIG - 10}-`, `bytes ${BIG - 10}-${BIG - 1}/${BIG}`, 10],
    ["bytes=-100", `bytes ${BIG - 100}-${BIG - 1}/${BIG}`, 100],
  ])("answers Range %s with 206", async (range, contentRange, length) => {
    const res = await api(download(odm.catalog.bigFile), { headers: { range } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(contentRange);
    expect((await res.arrayBuffer()).byteLength).toBe(length);
  });

  it("refuses several ranges (400) and a range past the end (416)", async () => {
    const multi = await api(download(odm.catalog.bigFile), { headers: { range: "bytes=0-1,5-9" } });
    expect(multi.status).toBe(400);
    const past = await api(download(odm.catalog.bigFile), { headers: { range: `bytes=${BIG}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${BIG}`);
  });

  it("honours If-Range: a stale validator gets the whole file", async () => {
    const { etag } = odm.fileContent(odm.catalog.bigFile);
    const current = await api(download(odm.catalog.bigFile), {
      headers: { range: "bytes=10-19", "if-range": etag },
    });
    expect(current.status).toBe(206);
    await current.arrayBuffer();
    const stale = await api(download(odm.catalog.bigFile), {
      headers: { range: "bytes=10-19", "if-range": '"old"' },
    });
    expect(stale.status).toBe(200);
    expect(stale.headers.get("content-length")).toBe(String(BIG));
    await stale.body!.cancel();
  });

  it("answers HEAD with the headers and no body, and 404/406 like GET", async () => {
    const head = await api(download(odm.catalog.bigFile), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(BIG));
    expect(head.headers.get("etag")).toBe(odm.fileContent(odm.catalog.bigFile).etag);
    expect(head.headers.get("last-modified")).toBeTruthy();
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    expect(odm.requests.at(-1)!.bytesSent).toBe(0);
    expect((await api(download("GSF9999999"), { method: "HEAD" })).status).toBe(404);
    expect((await api(download(odm.catalog.undownloadableFile), { method: "HEAD" })).status).toBe(406);
  });

  it("answers 404 for an unknown accession and 406 for a file that cannot be downloaded", async () => {
    expect((await api(download("GSF9999999"))).status).toBe(404);
    const archived = await api(download(odm.catalog.undownloadableFile));
    expect(archived.status).toBe(406);
    expect((await archived.json()).message).toContain("cannot be downloaded");
    // It still has metadata.
    expect((await json(`/as-user/files/${odm.catalog.undownloadableFile}`)).Storage).toBe("Archived");
  });

  it("cuts a download after N bytes; the resumed request transfers only the rest", async () => {
    const accession = odm.catalog.bigFile;
    const before = odm.bytesServed(accession);
    const cutAt = 1024 * 1024 + 17;
    odm.cutNextDownload(cutAt, { accession });
    const first = await api(download(accession));
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag")!;
    const head = await drain(first);
    expect(head.broken).toBe(true);
    expect(head.bytes).toBe(cutAt);
    const firstEntry = odm.requests.at(-1)!;

    const rest = await api(download(accession), { headers: { range: `bytes=${cutAt}-`, "if-range": etag } });
    expect(rest.status).toBe(206);
    expect(rest.headers.get("content-range")).toBe(`bytes ${cutAt}-${BIG - 1}/${BIG}`);
    const tail = await drain(rest);
    expect(tail.broken).toBe(false);
    expect(sha256([...head.parts, ...tail.parts])).toBe(odm.fileContent(accession).sha256());
    expect(firstEntry.bytesSent).toBe(cutAt);
    expect(odm.requests.at(-1)).toMatchObject({
      bytesSent: BIG - cutAt,
      status: 206,
      range: `bytes=${cutAt}-`,
    });
    expect(odm.bytesServed(accession) - before).toBe(BIG);
  });

  it("with cutDownloadsAfterBytes, cuts every download: resuming chunk by chunk still gets the whole file", async () => {
    const flaky = await startOdmSandbox({ cutDownloadsAfterBytes: 1_000_000 });
    try {
      const zip = flaky.catalog.files.find((f) => f.name === "qc_figures.zip")!;
      const url = `${flaky.url}/api/v1${download(zip.accession)}`;
      const headers = { "genestack-api-token": flaky.apiToken };
      const parts: Uint8Array[] = [];
      let received = 0;
      let etag = "";
      for (let attempt = 0; attempt < 10 && received < zip.size; attempt++) {
        const res = await fetch(url, {
          headers: received ? { ...headers, range: `bytes=${received}-`, "if-range": etag } : headers,
        });
        expect(res.status).toBe(received ? 206 : 200);
        etag = res.headers.get("etag")!;
        const got = await drain(res);
        parts.push(...got.parts);
        received += got.bytes;
      }
      expect(received).toBe(zip.size);
      expect(sha256(parts)).toBe(flaky.fileContent(zip.accession).sha256());
      const sent = flaky.requests.map((r) => r.bytesSent);
      expect(sent).toEqual([1_000_000, 1_000_000, zip.size - 2_000_000]);
      // A one-off cut still comes first.
      flaky.cutNextDownload(10);
      expect((await drain(await fetch(url, { headers }))).bytes).toBe(10);
      flaky.setFlakyDownloads(undefined);
      expect((await drain(await fetch(url, { headers }))).bytes).toBe(zip.size);
      expect(flaky.violations).toEqual([]);
    } finally {
      await flaky.close();
    }
  });

  it("replaces a file's content: new ETag, and If-Range with the old one gets the new whole file", async () => {
    const zip = fileNamed("qc_figures.zip");
    const old = odm.fileContent(zip.accession);
    const oldDate = (await api(download(zip.accession), { method: "HEAD" })).headers.get("last-modified")!;
    const replaced = odm.replaceFile(zip.accession);
    expect(replaced.etag).not.toBe(old.etag);
    const byEtag = await api(download(zip.accession), {
      headers: { range: "bytes=100-", "if-range": old.etag },
    });
    expect(byEtag.status).toBe(200);
    expect(byEtag.headers.get("etag")).toBe(replaced.etag);
    const body = await drain(byEtag);
    expect(sha256(body.parts)).toBe(odm.fileContent(zip.accession).sha256());
    expect(sha256(body.parts)).not.toBe(old.sha256());
    const byDate = await api(download(zip.accession), {
      headers: { range: "bytes=100-", "if-range": oldDate },
    });
    expect(byDate.status).toBe(200);
    await byDate.body!.cancel();
    const resized = odm.replaceFile(zip.accession, { size: 1000 });
    const head = await api(download(zip.accession), { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe("1000");
    expect(head.headers.get("etag")).toBe(resized.etag);
  });

  it("serves a 64 MiB big file by default, generated on the fly", async () => {
    const fresh = await startOdmSandbox();
    try {
      const head = await fetch(`${fresh.url}/api/v1${download(fresh.catalog.bigFile)}`, {
        method: "HEAD",
        headers: { "genestack-api-token": fresh.apiToken },
      });
      expect(head.headers.get("content-length")).toBe(String(64 * 1024 * 1024));
      const tail = await fetch(`${fresh.url}/api/v1${download(fresh.catalog.bigFile)}`, {
        headers: { "genestack-api-token": fresh.apiToken, range: "bytes=-4096" },
      });
      expect(tail.headers.get("content-range")).toBe(
        `bytes ${64 * 1024 * 1024 - 4096}-${64 * 1024 * 1024 - 1}/${64 * 1024 * 1024}`,
      );
      expect((await tail.arrayBuffer()).byteLength).toBe(4096);
      expect(fresh.violations).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});

describe("studies, samples, libraries, preparations", () => {
  it("filters with the ODM filter syntax: =, !=, <, >, quotes, AND/OR, parentheses", async () => {
    const accs = async (path: string, params: Record<string, string>) =>
      (await json(`${path}?${q(params)}`)).data.map((o: Json) => o["genestack:accession"]);
    const expected = (pred: (a: Json) => boolean) =>
      odm.catalog.samples.filter((s) => pred(s.attrs)).map((s) => s.accession);
    expect(await accs("/as-user/samples", { filter: '"Species or strain"="Mus musculus"' })).toEqual(
      expected((a) => a["Species or strain"] === "Mus musculus"),
    );
    expect(await accs("/as-user/samples", { filter: "Age>60 AND Sex=Female" })).toEqual(
      expected((a) => a.Age > 60 && a.Sex === "Female"),
    );
    expect(
      await accs("/as-user/samples", { filter: "(Tissue=Liver || Tissue=Bronchus) && Disease!=Healthy" }),
    ).toEqual(expected((a) => (a.Tissue === "Liver" || a.Tissue === "Bronchus") && a.Disease !== "Healthy"));
    const arrayExpress = await accs("/as-user/studies", { filter: '"Study Source"=ArrayExpress' });
    expect(arrayExpress).toContain("GSF1000002");
    expect(arrayExpress).toEqual(
      odm.catalog.studies.filter((s) => s.attrs["Study Source"] === "ArrayExpress").map((s) => s.accession),
    );
    const asthma = await accs("/as-user/samples", { filter: "Disease=Asthma" });
    expect(asthma.length).toBeGreaterThan(0);
    expect(asthma.length).toBeLessThan(odm.catalog.samples.length);
    expect((await api(`/as-user/samples?${q({ filter: "Age>" })}`)).status).toBe(400);
    expect((await api(`/as-user/samples?${q({ filter: "(Age>3" })}`)).status).toBe(400);
  });

  it("runs full-text queries over all metadata", async () => {
    const data = (await json(`/as-user/studies?${q({ query: '"1000 genomes"' })}`)).data;
    expect(data.map((s: Json) => s["Study Title"])).toEqual(["Subset of 1000 Genomes Project"]);
    expect(
      (await json(`/as-user/libraries?${q({ query: "HiSeq" })}`)).data.every((l: Json) =>
        String(l["Sequencing Platform"]).includes("HiSeq"),
      ),
    ).toBe(true);
    expect((await json(`/as-user/preparations?${q({ query: "LysC" })}`)).data.length).toBe(3);
  });

  it("sorts, and shapes attributes with returnedMetadataFields", async () => {
    const byName = (await json("/as-user/studies?sort=-name")).data.map((s: Json) => s["Study Title"]);
    expect(byName).toEqual([...byName].sort().reverse());
    const byCreation = (await json("/as-user/studies?sort=creation")).data.map(
      (s: Json) => s["genestack:accession"],
    );
    expect(byCreation).toEqual(odm.catalog.studies.map((s) => s.accession));
    const minimal = await json("/as-user/studies/GSF1000001?returnedMetadataFields=minimal_data");
    expect(Object.keys(minimal).sort()).toEqual([
      "Study Source",
      "Study Title",
      "Study Type",
      "genestack:accession",
    ]);
    const extended = await json("/as-user/studies/GSF1000001");
    expect(extended["Study Description"]).toBeTruthy();
    expect("Principal Investigator" in extended).toBe(false);
    const original = await json("/as-user/studies/GSF1000001?returnedMetadataFields=original_data_included");
    expect(original["Principal Investigator"]).toBeNull();
    expect((await api("/as-user/studies?sort=size")).status).toBe(400);
  });

  it("gets objects by accession (404 otherwise) and refuses an accession of another kind", async () => {
    expect((await json("/as-user/samples/GSF1200001"))["Sample Source ID"]).toBe("S01-01");
    expect((await api("/as-user/samples/GSF1000001")).status).toBe(404);
    expect((await api("/as-user/studies/GSF0")).status).toBe(404);
    const library = odm.catalog.libraries[0]!;
    expect((await json(`/as-user/libraries/${library.accession}`))["Library ID"]).toBe(
      library.attrs["Library ID"],
    );
    const prep = odm.catalog.preparations[0]!;
    expect((await json(`/as-user/preparations/${prep.accession}`)).Digestion).toBe("Trypsin");
  });

  it("keeps versions: the list, and each version's own attributes", async () => {
    const versions = await json("/as-user/studies/GSF1000002/versions");
    expect(versions.map((v: Json) => v.version)).toEqual(["1", "2", "3"]);
    expect(versions[0]).toMatchObject({ author: "curator@example.org", message: "Initial import" });
    expect(versions[1].timestamp).toBeGreaterThan(versions[0].timestamp);
    expect((await json("/as-user/studies/GSF1000002/versions/1")).Disease).toBe("asthma");
    expect((await json("/as-user/studies/GSF1000002/versions/3")).Disease).toBe("Asthma");
    expect((await json("/as-user/studies/GSF1000002/versions/2"))["Study Title"]).toBe(
      "Bronchial biopsies RNA-Seq",
    );
    expect((await api("/as-user/studies/GSF1000002/versions/9")).status).toBe(404);
    expect((await api("/as-user/studies/GSF9/versions")).status).toBe(404);
    const sample = odm.catalog.samples.find((s) => s.versions.length > 1)!;
    expect(await json(`/as-user/samples/${sample.accession}/versions`)).toHaveLength(2);
  });

  it("lists a library group's libraries and a preparation group's preparations", async () => {
    const group = odm.catalog.libraries[0]!.group!;
    const page = await json(`/as-user/libraries/by/group/${group}?pageLimit=3`);
    expect(page.meta.pagination.total).toBe(odm.catalog.libraries.filter((l) => l.group === group).length);
    expect(page.data.every((l: Json) => l.groupId === group)).toBe(true);
    const prepGroup = odm.catalog.preparations[0]!.group!;
    expect((await json(`/as-user/preparations/by/group/${prepGroup}`)).data).toHaveLength(6);
    expect((await api(`/as-user/libraries/by/group/${prepGroup}`)).status).toBe(404);
  });
});

describe("integration links", () => {
  const link = "/as-user/integration/link";

  it("links samples, files and groups to studies", async () => {
    const samples = await json(`${link}/samples/by/study/GSF1000001?pageLimit=5`);
    expect(samples.meta.pagination.total).toBe(8);
    expect(samples.data).toHaveLength(5);
    expect(samples.data.every((s: Json) => s.groupId === "GSF1100001")).toBe(true);
    const files = await json(`${link}/files/by/study/GSF1000001?includeContents=true`);
    expect(Array.isArray(files)).toBe(true);
    expect(files.map((f: Json) => f["genestack:name"])).toEqual([
      "pbmc_atlas.h5ad",
      "study_protocol.pdf",
      "qc_figures.zip",
      "pseudobulk_counts.tsv.gz",
    ]);
    expect(files[0].contents.type).toBe("HDF5");
    expect(await json(`${link}/files/by/study/GSF1000005`)).toHaveLength(1);
    const groups = await json(`${link}/expression/group/by/study/GSF1000001`);
    expect(groups).toEqual([
      { itemId: "GSF2000001", metadata: expect.objectContaining({ "Genome Version": "GRCh38" }) },
    ]);
    expect(await json(`${link}/variant/group/by/study/GSF1000003`)).toHaveLength(1);
    expect(await json(`${link}/variant/group/by/study/GSF1000001`)).toEqual([]);
    expect(await json(`${link}/library/group/by/study/GSF1000001`)).toHaveLength(1);
    expect(await json(`${link}/preparation/group/by/study/GSF1000004`)).toHaveLength(1);
    expect(await json(`${link}/flow-cytometry/group/by/study/GSF1000005`)).toHaveLength(1);
    expect((await api(`${link}/samples/by/study/GSF9999`)).status).toBe(400);
    expect((await api(`${link}/files/by/study/GSF9999`)).status).toBe(400);
  });

  it("links a sample to its study, libraries, preparations and runs", async () => {
    const sample = odm.catalog.samples.find((s) => s.parent === "GSF1000004")!;
    expect((await json(`${link}/study/by/sample/${sample.accession}`))["genestack:accession"]).toBe(
      "GSF1000004",
    );
    expect(await json(`${link}/library/by/sample/${sample.accession}`)).toEqual([]);
    const preps = await json(`${link}/preparation/by/sample/${sample.accession}`);
    expect(preps).toHaveLength(1);
    expect(preps[0]["Sample Source ID"]).toBe(sample.attrs["Sample Source ID"]);
    const first = odm.catalog.samples[0]!;
    expect(await json(`${link}/library/by/sample/${first.accession}`)).toHaveLength(1);
    const runs = await json(`${link}/expression/by/sample/${first.accession}`);
    expect(runs.meta.pagination.total).toBe(1);
    expect(runs.data[0]).toMatchObject({ groupId: "GSF2000001", "Run Source ID": "S01-01" });
    expect((await json(`${link}/variant/by/sample/${first.accession}`)).data).toEqual([]);
    const fcSample = odm.catalog.samples.find((s) => s.parent === "GSF1000005")!;
    expect((await json(`${link}/flow-cytometry/by/sample/${fcSample.accession}`)).data).toHaveLength(1);
    expect((await api(`${link}/study/by/sample/GSF1000001`)).status).toBe(400);
    const tsv = await api(`${link}/library/by/sample/${first.accession}`, {
      headers: { accept: "text/tab-separated-values" },
    });
    expect((await tsv.text()).split("\n")[0]).toContain("Library ID");
  });

  it("finds objects linked to objects matching a filter", async () => {
    const studies = await json(
      `${link}/studies/by/samples?${q({ filter: '"Species or strain"="Mus musculus"' })}`,
    );
    expect(studies.data.map((s: Json) => s["genestack:accession"])).toEqual(["GSF1000004"]);
    const byLibrary = await json(`${link}/studies/by/libraries?${q({ filter: '"Library Type"=WGS' })}`);
    expect(byLibrary.data.every((s: Json) => s["Study Type"] === "Genomics")).toBe(true);
    expect(byLibrary.data.length).toBeGreaterThan(0);
    const byPrep = await json(`${link}/studies/by/preparations?${q({ filter: "Digestion=Trypsin" })}`);
    expect(byPrep.data.map((s: Json) => s["genestack:accession"])).toEqual(["GSF1000004"]);
    const samplesOfLibs = await json(`${link}/samples/by/libraries?${q({ query: "HiSeq" })}`);
    expect(samplesOfLibs.meta.pagination.total).toBe(
      odm.catalog.libraries.filter((l) => String(l.attrs["Sequencing Platform"]).includes("HiSeq")).length,
    );
    const samplesOfPreps = await json(`${link}/samples/by/preparations?${q({ filter: "Digestion=LysC" })}`);
    expect(samplesOfPreps.data).toHaveLength(3);
    const libs = await json(`${link}/libraries/by/samples?${q({ filter: "Tissue=Bronchus", pageLimit: 4 })}`);
    expect(libs.meta.pagination).toMatchObject({ total: 10, count: 4 });
    const preps = await json(`${link}/preparations/by/samples?${q({ filter: "Sex=Male" })}`);
    expect(preps.data).toHaveLength(3);
    expect((await api(`${link}/libraries/by/samples?pageLimit=2001`)).status).toBe(400);
  });
});

describe("omics queries (cursor paging)", () => {
  /** Walks a cursor endpoint; returns every page. */
  async function walk(path: string, params: Record<string, string | number>) {
    const pages: Json[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 500; i++) {
      const page = await json(`${path}?${q({ ...params, ...(cursor ? { cursor } : {}) })}`);
      pages.push(page);
      if (page.resultsExhausted) return pages;
      expect(page.cursor).toBeTruthy();
      cursor = page.cursor;
    }
    throw new Error("did not end");
  }

  it("walks the omics samples exactly once and ends with resultsExhausted", async () => {
    const pages = await walk("/as-user/omics/samples", { pageLimit: 7 });
    const ids = pages.flatMap((p) => p.data.map((s: Json) => s["genestack:accession"]));
    expect(ids).toEqual(odm.catalog.samples.map((s) => s.accession).sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages.at(-1)!.resultsExhausted).toBe(true);
    expect(pages.slice(0, -1).every((p) => p.resultsExhausted === false && p.data.length === 7)).toBe(true);
    expect(pages[0].log).toEqual([]);
  });

  it("finds samples by their study, libraries and linked data", async () => {
    const all = (params: Record<string, string>) =>
      walk("/as-user/omics/samples", params).then((pages) =>
        pages.flatMap((p) => p.data.map((s: Json) => s["genestack:accession"])),
      );
    const transcriptomic = await all({ studyFilter: '"Study Type"=Transcriptomics' });
    const expected = odm.catalog.samples
      .filter(
        (s) =>
          odm.catalog.studies.find((t) => t.accession === s.parent)!.attrs["Study Type"] ===
          "Transcriptomics",
      )
      .map((s) => s.accession);
    expect(transcriptomic).toEqual(expected);
    // Samples whose linked expression data has TP53 above 3.
    const high = await all({ exQuery: "feature=ENSG00000141510 value>3" });
    const expectedHigh = new Set(
      odm.catalog.items.expression
        .filter((it) => it.feature!.Genes === "ENSG00000141510" && Number(it.value!.value) > 3)
        .map((it) => it.relationships.sample),
    );
    expect(new Set(high)).toEqual(expectedHigh);
    expect(high.length).toBeGreaterThan(0);
    expect(await all({ libraryFilter: '"Library Type"=WGS', sampleFilter: "Sex=Female" })).toEqual(
      odm.catalog.samples
        .filter(
          (s) =>
            s.attrs.Sex === "Female" &&
            odm.catalog.libraries.some((l) => l.parent === s.accession && l.attrs["Library Type"] === "WGS"),
        )
        .map((s) => s.accession),
    );
    expect(await all({ vxQuery: "filter=PASS", exQuery: "value>0" })).toEqual([]);
  });

  it("walks expression data exactly once with a data query, every item matching", async () => {
    const params = { exQuery: "feature=ENSG00000141510,ENSG00000111640 && value>=1", pageLimit: 13 };
    const pages = await walk("/as-user/omics/expression/data", params);
    const items = pages.flatMap((p) => p.data);
    const expected = odm.catalog.items.expression.filter(
      (it) =>
        ["ENSG00000141510", "ENSG00000111640"].includes(String(it.feature!.Genes)) &&
        Number(it.value!.value) >= 1,
    );
    expect(items.map((it: Json) => it.itemId)).toEqual(expected.map((it) => it.itemId));
    expect(new Set(items.map((it: Json) => it.itemId)).size).toBe(items.length);
    expect(items[0]).toMatchObject({
      itemOrigin: { groupId: expect.stringMatching(/^GSF2/) },
      feature: { Genes: expect.any(String) },
    });
    const unfiltered = await walk("/as-user/omics/expression/data", { pageLimit: 2000 });
    expect(unfiltered).toHaveLength(1);
    expect(unfiltered[0].data).toHaveLength(odm.catalog.items.expression.length);
  });

  it("queries variant and flow cytometry data and groups", async () => {
    const variants = (
      await walk("/as-user/omics/variant/data", { vxQuery: "region = chr17:1-200000 && filter = PASS" })
    ).flatMap((p) => p.data);
    expect(variants.length).toBeGreaterThan(0);
    expect(
      variants.every(
        (v: Json) => v.variant.chrom === "chr17" && v.variant.pos <= 200000 && v.variant.filter[0] === "PASS",
      ),
    ).toBe(true);
    const tp53 = (
      await walk("/as-user/omics/variant/data", { vxQuery: "feature=TP53 && exists(INFO.AF)" })
    ).flatMap((p) => p.data);
    expect(tp53.every((v: Json) => v.variant.info.GENE[0] === "TP53")).toBe(true);
    expect(tp53.length).toBeGreaterThan(0);
    const fc = (
      await walk("/as-user/omics/flow-cytometry/data", {
        fxQuery: 'ReadoutType=Median CellPopulation="CD3+ T cells"',
      })
    ).flatMap((p) => p.data);
    expect(fc).toHaveLength(5);
    expect(fc.every((it: Json) => it.feature.marker === "CD3" && it.feature.readoutType === "Median")).toBe(
      true,
    );
    const groups = (
      await walk("/as-user/omics/expression/group", { sampleFilter: "Tissue=Bronchus" })
    ).flatMap((p) => p.data);
    expect(groups.map((g: Json) => g["genestack:accession"])).toEqual(["GSF2000002"]);
    const allExpression = (await walk("/as-user/omics/expression/group", {})).flatMap((p) => p.data);
    expect(allExpression.length).toBe(odm.catalog.groups.filter((g) => g.kind === "expression").length);
    expect(
      (await walk("/as-user/omics/variant/group", { vxFilter: '"Variant Source"="1000 Genomes Project"' }))[0]
        .data,
    ).toHaveLength(1);
    expect(
      (await walk("/as-user/omics/flow-cytometry/group", { fxFilter: "Organ=blood" }))[0].data,
    ).toHaveLength(1);
  });

  it("refuses a malformed cursor or query", async () => {
    expect((await api("/as-user/omics/samples?cursor=%20nonsense")).status).toBe(400);
    expect((await api(`/as-user/omics/expression/data?${q({ exQuery: "value>=" })}`)).status).toBe(400);
    expect((await api("/as-user/omics/samples?pageLimit=-1")).status).toBe(400);
  });
});

describe("streamed TSV exports", () => {
  it("streams an expression group as TSV, rounded, restricted by sample filter and exQuery", async () => {
    const res = await api(
      `/as-user/omics/expression/streamed-data?${q({ groupAccession: "GSF2000001", roundDigits: 2 })}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/tab-separated-values");
    const lines = (await res.text()).trimEnd().split("\n");
    expect(lines[0]!.split("\t")).toEqual([
      "Genes",
      "Symbol",
      ...odm.catalog.samples.slice(0, 8).map((s) => s.attrs["Sample Source ID"]),
    ]);
    expect(lines).toHaveLength(1 + 32);
    const gapdh = lines.find((l) => l.includes("\tGAPDH\t"))!.split("\t");
    const item = odm.catalog.items.expression.find((it) => it.itemId === `GSF2100001-ENSG00000111640`)!;
    expect(gapdh[2]).toBe(String(Math.round(Number(item.value!.value) * 100) / 100));
    expect(
      lines.slice(1).every((l) =>
        l
          .split("\t")
          .slice(2)
          .every((v) => /^\d+(\.\d{1,2})?$/.test(v)),
      ),
    ).toBe(true);

    const females = await api(
      `/as-user/omics/expression/streamed-data?${q({ groupAccession: "GSF2000001", sampleFilter: "Sex=Female", exQuery: "feature=ENSG00000141510" })}`,
    );
    const rows = (await females.text()).trimEnd().split("\n");
    expect(rows).toHaveLength(2);
    expect(rows[0]!.split("\t").slice(2)).toEqual(["S01-01", "S01-03", "S01-05", "S01-07"]);
    expect(rows[1]!.startsWith("ENSG00000141510\tTP53\t")).toBe(true);
  });

  it("streams a variant group as TSV and answers 404 for an unknown group", async () => {
    const res = await api(
      `/as-user/omics/variant/streamed-data?${q({ groupAccession: "GSF2200001", vxQuery: "filter=PASS" })}`,
    );
    expect(res.status).toBe(200);
    const lines = (await res.text()).trimEnd().split("\n");
    expect(lines[0]!.split("\t").slice(0, 8)).toEqual([
      "CHROM",
      "POS",
      "ID",
      "REF",
      "ALT",
      "QUAL",
      "FILTER",
      "INFO",
    ]);
    expect(lines.slice(1).every((l) => l.split("\t")[6] === "PASS")).toBe(true);
    expect(lines.length).toBeGreaterThan(2);
    const missing = await api("/as-user/omics/expression/streamed-data?groupAccession=GSF7777777");
    expect(missing.status).toBe(404);
    expect((await missing.json()).message).toBe("Group 'GSF7777777' could not be found");
    expect((await api("/as-user/omics/variant/streamed-data?groupAccession=GSF2000001")).status).toBe(404);
    expect((await api("/as-user/omics/expression/streamed-data")).status).toBe(400);
  });
});

describe("import jobs", () => {
  const post = (path: string, body: unknown) =>
    api(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Polls a job until it reaches a final state; returns the distinct statuses seen, in order. */
  async function follow(jobExecId: number): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < 200; i++) {
      const info = await json(`/jobs/${jobExecId}/info`);
      if (seen.at(-1) !== info.status) seen.push(info.status);
      if (["COMPLETED", "FAILED", "STOPPED"].includes(info.status)) return seen;
      await sleep(15);
    }
    throw new Error("job did not finish");
  }

  it("starts an import (STARTING) that moves to RUNNING and COMPLETED, with a result", async () => {
    const res = await post("/jobs/import/samples", {
      source: "HTTP",
      metadataLink: "https://data.example.org/run7/samples.tsv",
    });
    expect(res.status).toBe(200);
    const started = await res.json();
    expect(started).toMatchObject({
      status: "STARTING",
      jobName: "importSamples",
      startedBy: "api.user@example.org",
    });
    expect(Number.isInteger(started.jobExecId)).toBe(true);
    expect(await follow(started.jobExecId)).toEqual(["STARTING", "RUNNING", "COMPLETED"]);
    const info = await json(`/jobs/${started.jobExecId}/info`);
    expect(new Date(info.endTime).getTime()).toBeGreaterThanOrEqual(
      new Date(info.createTime).getTime() + 2 * STEP,
    );
    const output = await json(`/jobs/${started.jobExecId}/output`);
    expect(output.status).toBe("COMPLETED");
    // The imported samples exist.
    const imported = await json(
      `/as-user/samples?${q({ filter: `groupId=${output.result.groupAccession}` })}`,
    );
    expect(imported.data.map((s: Json) => s["Sample Source ID"])).toEqual([
      "samples-1",
      "samples-2",
      "samples-3",
    ]);
  });

  it("attaches an imported file to its study, downloadable once the job completes", async () => {
    const started = await (
      await post("/jobs/import/file", {
        dataLink: "https://data.example.org/reports/final_report.pdf",
        studyAccession: "GSF1000003",
        dataClass: "Document",
      })
    ).json();
    expect(await follow(started.jobExecId)).toEqual(["STARTING", "RUNNING", "COMPLETED"]);
    const { result } = await json(`/jobs/${started.jobExecId}/output`);
    const files = await json("/as-user/integration/link/files/by/study/GSF1000003");
    expect(files.map((f: Json) => f["genestack:accession"])).toContain(result.accession);
    const head = await api(download(result.accession), { method: "HEAD" });
    expect(head.status).toBe(200);
    const body = await drain(await api(download(result.accession)));
    expect(String(body.bytes)).toBe(head.headers.get("content-length"));
  });

  it("fails the next job on request; a restart then completes it", async () => {
    odm.failNextJob("Column 'Sample Source ID' is missing");
    const started = await (
      await post("/jobs/import/study", { metadataLink: "s3://bucket/study.tsv" })
    ).json();
    expect(await follow(started.jobExecId)).toEqual(["STARTING", "RUNNING", "FAILED"]);
    const failed = await json(`/jobs/${started.jobExecId}/output`);
    expect(failed.errors[0].stack[0].message).toBe("Column 'Sample Source ID' is missing");
    expect(failed.result).toBeUndefined();
    const restarted = await (await api(`/jobs/${started.jobExecId}/restart`, { method: "PUT" })).json();
    expect(restarted.status).toBe("STARTING");
    expect(await follow(started.jobExecId)).toEqual(["STARTING", "RUNNING", "COMPLETED"]);
    const { result } = await json(`/jobs/${started.jobExecId}/output`);
    expect((await json(`/as-user/studies/${result.groupAccession}`))["Study Title"]).toBe(
      "Imported study study",
    );
  });

  it("stops a running job (STOPPING, then STOPPED)", async () => {
    const started = await (
      await post("/jobs/import/expression", {
        dataLink: "https://data.example.org/x.gct",
        dataClass: "Bulk transcriptomics",
      })
    ).json();
    const stopping = await (await api(`/jobs/${started.jobExecId}/stop`, { method: "PUT" })).json();
    expect(stopping.status).toBe("STOPPING");
    expect(await follow(started.jobExecId)).toEqual(["STOPPING", "STOPPED"]);
    expect((await json(`/jobs/${started.jobExecId}/output`)).result).toBeUndefined();
    expect(odm.job(started.jobExecId)!.status).toBe("STOPPED");
  });

  it("fails a file import into an unknown study, and refuses bad links and duplicate imports", async () => {
    const started = await (
      await post("/jobs/import/file", {
        dataLink: "https://x.org/a.pdf",
        studyAccession: "GSF404",
        dataClass: "Document",
      })
    ).json();
    expect((await follow(started.jobExecId)).at(-1)).toBe("FAILED");
    expect((await json(`/jobs/${started.jobExecId}/output`)).errors[0].stack[0].message).toContain("GSF404");
    expect((await post("/jobs/import/variant", { dataLink: "ftp://x.org/v.vcf" })).status).toBe(400);
    expect((await post("/jobs/import/variant", { metadataLink: "https://x.org/v.tsv" })).status).toBe(400);
    expect((await post("/jobs/import/cells", { dataLink: "/local/cells.tsv", source: "LOCAL" })).status).toBe(
      200,
    );
    const link = { metadataLink: "https://data.example.org/libs.tsv" };
    const first = await (await post("/jobs/import/libraries", link)).json();
    await follow(first.jobExecId);
    expect((await post("/jobs/import/libraries", link)).status).toBe(400);
    expect((await post("/jobs/import/libraries?allow_dups=true", link)).status).toBe(200);
  });

  it("answers 404 for an unknown job and 400 for a malformed id", async () => {
    expect((await api("/jobs/999999/info")).status).toBe(404);
    expect((await api("/jobs/999999/output")).status).toBe(404);
    expect((await api("/jobs/999999/stop", { method: "PUT" })).status).toBe(404);
    expect((await api("/jobs/abc/info")).status).toBe(400);
  });

  it("takes its step durations from the options", async () => {
    const slow = await startOdmSandbox({ jobDurations: { startingMs: 60_000 } });
    try {
      const res = await fetch(`${slow.url}/api/v1/jobs/import/preparations`, {
        method: "POST",
        headers: { "genestack-api-token": slow.apiToken, "content-type": "application/json" },
        body: JSON.stringify({ metadataLink: "https://x.org/p.tsv" }),
      });
      const { jobExecId } = await res.json();
      await sleep(350);
      expect(slow.job(jobExecId)!.status).toBe("STARTING");
      slow.setJobDurations({ startingMs: 10, runningMs: 10 });
      expect(slow.job(jobExecId)!.status).toBe("COMPLETED");
      expect(slow.violations).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});

describe("fixtures", () => {
  it("are deterministic and fast to build", async () => {
    const t0 = performance.now();
    const a = await startOdmSandbox({ studies: 6 });
    const elapsed = performance.now() - t0;
    const b = await startOdmSandbox({ studies: 6 });
    try {
      expect(elapsed).toBeLessThan(1000);
      expect(a.catalog.studies.map((s) => s.attrs)).toEqual(b.catalog.studies.map((s) => s.attrs));
      expect(a.catalog.items.expression).toEqual(b.catalog.items.expression);
      expect(a.catalog.studies).toHaveLength(6);
      expect(a.fileContent(a.catalog.bigFile).etag).toBe(b.fileContent(b.catalog.bigFile).etag);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
