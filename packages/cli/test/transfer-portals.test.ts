import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFlowSandbox, startOdmSandbox, type FlowSandbox, type OdmSandbox } from "@sciportals/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, tempHome } from "./run.js";

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

// `download` for the portals other than STOmics: each maps its own list items onto its own
// download operation (ODM's rows are keyed by `genestack:accession`, Flow's need a filename).
describe("sciportals download on Genestack ODM and Flow", { timeout: 60_000 }, () => {
  let odm: OdmSandbox;
  let flow: FlowSandbox;
  let work: string;

  beforeAll(async () => {
    [odm, flow] = await Promise.all([startOdmSandbox(), startFlowSandbox()]);
    work = mkdtempSync(join(tmpdir(), "sciportals-portals-"));
  });

  afterAll(async () => {
    await Promise.all([odm.close(), flow.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  it("ODM: every file of a listing, named and verified; an archived file fails alone", async () => {
    const env = { ...tempHome(), GENESTACK_ODM_BASE_URL: odm.url, GENESTACK_API_TOKEN: odm.apiToken };
    const dir = join(work, "odm");
    const result = await run(
      ["genestack-odm", "download", "--list", "get-files-metadata-as-user", "--dir", dir, "--no-progress"],
      env,
    );
    const files = odm.catalog.files;
    const archived = files.filter((f) => !f.downloadable);
    expect(archived.length).toBeGreaterThan(0);
    expect(result.stdout).toBe(
      `${files.length - archived.length} downloaded, 0 skipped, ${archived.length} failed\n`,
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("406");
    for (const file of files.filter((f) => f.downloadable))
      expect(sha256(join(dir, file.name)), file.name).toBe(odm.fileContent(file.accession).sha256());
    expect(readdirSync(dir).filter((name) => name.endsWith(".part"))).toEqual([]);
  });

  it("Flow: data by id/filename and from a search, with the API key", async () => {
    const env = { ...tempHome(), FLOW_BASE_URL: flow.url, FLOW_API_TOKEN: flow.apiKey };
    const text = flow.store.data.get(flow.fixtures.textData)!;
    const dir = join(work, "flow");
    const byId = await run(
      ["flow", "download", `${text.id}/${text.filename}`, "--dir", dir, "--no-progress"],
      env,
    );
    expect(byId.stderr).toBe("");
    expect(byId.stdout).toBe("1 downloaded, 0 skipped, 0 failed\n");
    expect(sha256(join(dir, text.filename))).toBe(await flow.dataSha256(text.id));

    const searched = await run(
      ["flow", "download", "--list", "search-data", "--param", `filename=${text.filename}`, "--dir", dir],
      env,
    );
    expect(searched.status, searched.stderr).toBe(0);
    // The file is already complete: the rerun through a search skips it.
    expect(searched.stdout).toMatch(/^0 downloaded, [1-9]\d* skipped, 0 failed\n$/);
  });
});
