// The ODM sandbox's signal-data routes, multipart imports (with a cut connection) and its 501 for
// operations it does not model, over real HTTP on 127.0.0.1.
import { request } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startOdmSandbox, type OdmSandbox } from "../src/odm/index.js";

let odm: OdmSandbox;
beforeAll(async () => {
  odm = await startOdmSandbox({
    bigFileBytes: 64 * 1024,
    jobDurations: { startingMs: 50, runningMs: 50, stoppingMs: 50 },
  });
});
afterAll(() => odm.close());
afterEach(() => expect(odm.violations).toEqual([]));

const headers = () => ({ "genestack-api-token": odm.apiToken });
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${odm.url}/api/v1${path}`, { ...init, headers: { ...headers(), ...(init.headers as object) } });
const json = async (path: string): Promise<any> => {
  const res = await api(path);
  expect(res.status, path).toBe(200);
  return res.json();
};

describe("signal data", () => {
  it.each([
    ["expressions", "expression"],
    ["variants", "variant"],
    ["flow-cytometries", "flow-cytometry"],
  ] as const)(
    "walks /as-user/%s by cursor, every item once, the last page without a cursor",
    async (path, kind) => {
      const all = odm.catalog.items[kind];
      expect(all.length).toBeGreaterThan(3);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; ; pages++) {
        expect(pages).toBeLessThan(all.length + 1);
        const page = await json(`/as-user/${path}?pageLimit=3${cursor ? `&cursor=${cursor}` : ""}`);
        seen.push(...page.data.map((it: { itemId: string }) => it.itemId));
        for (const item of page.data) expect(item).not.toHaveProperty("relationships");
        if (!page.cursor) break;
        cursor = page.cursor;
      }
      expect(seen).toEqual(all.map((it) => it.itemId));
    },
  );

  it("filters by run and refuses a malformed cursor", async () => {
    const run = odm.catalog.items.expression[0]!.itemOrigin.runId;
    const page = await json(`/as-user/expressions?runFilter=${run}`);
    expect(page.data.length).toBeGreaterThan(0);
    for (const item of page.data) expect(item.itemOrigin.runId).toBe(run);
    expect((await api("/as-user/expressions?cursor=%20x")).status).toBe(400);
  });

  it("gets an item, a group, its runs and a run's group; 404 for unknown ones", async () => {
    const item = odm.catalog.items.variant[0]!;
    expect((await json(`/as-user/variants/${item.itemId}`)).itemId).toBe(item.itemId);
    const group = item.itemOrigin.groupId;
    expect((await json(`/as-user/variants/group/${group}`)).itemId).toBe(group);
    const runs = await json(`/as-user/variants/runs/by/group/${group}`);
    expect(runs.meta.pagination.total).toBe(odm.catalog.runs.filter((r) => r.group === group).length);
    expect((await json(`/as-user/variants/group/by/run/${item.itemOrigin.runId}`)).itemId).toBe(group);
    const groups = await json("/as-user/variants/group?pageLimit=100");
    expect(groups.data.map((g: any) => g["genestack:accession"])).toContain(group);
    expect((await api("/as-user/variants/group/GSF999999")).status).toBe(404);
    expect((await api("/as-user/expressions/GSF999999-x")).status).toBe(404);
  });
});

/** A multipart form with the fields first and the file last, as ODM requires. */
function form(fields: Record<string, string>, file: Uint8Array, name = "samples.tsv"): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.append(k, v);
  data.append("file", new Blob([file as Uint8Array<ArrayBuffer>]), name);
  return data;
}

describe("multipart imports", () => {
  it("starts the import job from the uploaded file, which ends COMPLETED with a group", async () => {
    const bytes = new TextEncoder().encode("Sample Source ID\tSpecies\nS1\tHomo sapiens\n");
    const res = await api("/jobs/import/samples/multipart", { method: "POST", body: form({}, bytes) });
    expect(res.status).toBe(200);
    const job = await res.json();
    expect(job.status).toBe("STARTING");
    expect(odm.uploads.at(-1)).toMatchObject({ filename: "samples.tsv", size: bytes.length });
    await new Promise((r) => setTimeout(r, 200));
    const output = await json(`/jobs/${job.jobExecId}/output`);
    expect(output.status).toBe("COMPLETED");
    expect(output.result.groupAccession).toMatch(/^GSF/);
  });

  it("attaches a file to a study; refuses a form without its file last, or without studyAccession", async () => {
    const study = odm.catalog.studies[0]!.accession;
    const ok = await api("/jobs/import/file/multipart", {
      method: "POST",
      body: form({ studyAccession: study, dataClass: "Document" }, new Uint8Array(5000), "notes.pdf"),
    });
    expect(ok.status).toBe(200);
    const late = new FormData();
    late.append("file", new Blob([new Uint8Array(10)]), "x.pdf");
    late.append("studyAccession", study);
    late.append("dataClass", "Document");
    const wrongOrder = await api("/jobs/import/file/multipart", { method: "POST", body: late });
    expect(wrongOrder.status).toBe(400);
    expect((await wrongOrder.json()).message).toContain("last");
    const missing = await api("/jobs/import/file/multipart", {
      method: "POST",
      body: form({ dataClass: "Document" }, new Uint8Array(10), "x.pdf"),
    });
    expect(missing.status).toBe(400);
  });

  it("cuts the connection mid-upload when asked: the client sees a reset and no job starts", async () => {
    const before = odm.uploads.length;
    const requestsBefore = odm.requests.length;
    odm.cutNextUpload(64 * 1024);
    const body = Buffer.alloc(1024 * 1024, 7);
    const outcome = await new Promise<string>((resolve) => {
      const req = request(`${odm.url}/api/v1/jobs/import/cells/multipart`, {
        method: "POST",
        headers: {
          ...headers(),
          "content-type": "multipart/form-data; boundary=xyz",
          "content-length": String(body.length),
        },
      });
      req.on("response", (res) => resolve(`response ${res.statusCode}`));
      req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.end(body);
    });
    expect(["ECONNRESET", "EPIPE"]).toContain(outcome);
    expect(odm.uploads.length).toBe(before);
    expect(odm.requests.length).toBe(requestsBefore + 1);
    // The next upload goes through again.
    const res = await api("/jobs/import/cells/multipart", {
      method: "POST",
      body: form({}, new Uint8Array(10), "c.tsv"),
    });
    expect(res.status).toBe(200);
  });
});

describe("operations the sandbox does not model", () => {
  it("answer 501 naming the operation", async () => {
    const res = await api("/as-user/expressions/GSF1/versions");
    expect(res.status).toBe(501);
    expect((await res.json()).message).toContain("getExpressionVersionsAsUser");
  });
});
