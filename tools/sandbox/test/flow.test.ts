import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFlowSandbox, type FlowSandbox } from "../src/flow/index.js";
import {
  bearer,
  call,
  chunk,
  key,
  login,
  postJson,
  sb,
  sha256,
  sleep,
  upload,
  useFlowSandbox,
} from "./flow-support.js";

useFlowSandbox();
describe("spec coverage", () => {
  it("implements every operation of the spec", () => {
    const spec = parse(
      readFileSync(fileURLToPath(new URL("../../../specs/flow/openapi.yaml", import.meta.url)), "utf8"),
    );
    const ids = Object.values<any>(spec.paths).flatMap((item) =>
      Object.values<any>(item)
        .filter((op) => op?.operationId)
        .map((op) => op.operationId as string),
    );
    expect(ids).toHaveLength(102);
    expect([...sb.operations].sort()).toEqual([...ids].sort());
  });

  it("serves the API under /api, like app.flow.bio/api, and nothing at the root", async () => {
    expect(sb.url).toBe(`${sb.origin}/api`);
    expect((await call("/ping")).body).toBe("pong");
    expect((await call("/samples/search", { base: sb.origin })).status).toBe(404);
  });

  it("answers an ID the URLconf would not match with 404 (bare on downloads), not a validation error", async () => {
    const sample = await call("/samples/abc");
    expect(sample.status).toBe(404);
    expect(sample.body).toEqual({ error: "Not found" });
    const download = await call("/downloads/abc/file.txt");
    expect(download.status).toBe(404);
    expect(download.body).toBe("");
  });
});

describe("login, access tokens and the refresh cookie", () => {
  let short: FlowSandbox;
  beforeAll(async () => {
    short = await startFlowSandbox({ samples: 20, accessTokenTtlMs: 200 });
  });
  afterAll(() => short.close());
  afterEach(() => expect(short.violations).toEqual([]));

  it("logs in with {token, user} and sets the HttpOnly flow_refresh_token cookie; a bad password is a 400", async () => {
    const ok = await login("alice", short.password, short.url);
    expect(ok.status).toBe(200);
    expect(ok.body.token.split(".")).toHaveLength(3);
    expect(ok.body.user).toMatchObject({ id: "1", username: "alice" });
    expect(ok.setCookie).toMatch(/^flow_refresh_token=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(ok.setCookie).toContain("HttpOnly");
    expect(ok.setCookie).toContain("Path=/");
    expect(ok.setCookie).toContain("SameSite=Lax");
    const bad = await postJson("/login", { username: "alice", password: "wrong" });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: "Invalid credentials" });
    const missing = await postJson("/login", { username: "alice" });
    expect(missing.status).toBe(400);
    expect(short.stats.logins).toBe(1);
  });

  it("expires access tokens after accessTokenTtlMs; GET /token mints a new one from the cookie and counts it", async () => {
    const { body, cookie } = await login("alice", short.password, short.url);
    const me = await call("/me", { base: short.url, headers: bearer(body.token) });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: "1", username: "alice", can_run_pipelines: true });
    await sleep(260);
    const expired = await call("/me", { base: short.url, headers: bearer(body.token) });
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ error: "Token has expired" });
    const before = short.stats.refreshes;
    const refreshed = await call("/token", { base: short.url, headers: { cookie } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user).toMatchObject({ username: "alice" });
    expect(refreshed.body.token).not.toBe(body.token);
    expect(short.stats.refreshes).toBe(before + 1);
    expect((await call("/me", { base: short.url, headers: bearer(refreshed.body.token) })).status).toBe(200);
  });

  it("refuses a refresh without the cookie, with a bad cookie, and after logout (400 {error})", async () => {
    const none = await call("/token", { base: short.url });
    expect(none).toMatchObject({ status: 400, body: { error: "No refresh token supplied" } });
    const forged = await call("/token", { base: short.url, headers: { cookie: "flow_refresh_token=a.b.c" } });
    expect(forged).toMatchObject({ status: 400, body: { error: "Refresh token not valid" } });
    const { body, cookie } = await login("alice", short.password, short.url);
    const out = await call("/logout", {
      base: short.url,
      method: "POST",
      headers: { cookie, ...bearer(body.token) },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    const after = await call("/token", { base: short.url, headers: { cookie } });
    expect(after).toMatchObject({ status: 400, body: { error: "Refresh token not valid" } });
    expect(short.stats.refreshFailures).toBeGreaterThanOrEqual(3);
  });

  it("answers reads anonymously, and treats an invalid or expired token on a read as anonymous", async () => {
    const expired = short.issueAccessToken("alice", 0);
    const anonymous = await call("/projects/search?count=100", { base: short.url });
    const withExpired = await call("/projects/search?count=100", {
      base: short.url,
      headers: bearer(expired),
    });
    const withKey = await call("/projects/search?count=100", {
      base: short.url,
      headers: bearer(short.apiKey),
    });
    expect(withExpired.status).toBe(200);
    expect(withExpired.body.count).toBe(anonymous.body.count);
    expect(withKey.body.count).toBeGreaterThan(anonymous.body.count);
    const names = (r: typeof anonymous) => r.body.projects.map((p: { name: string }) => p.name);
    expect(names(anonymous)).not.toContain("Alice private atlas");
    expect(names(withKey)).toContain("Alice private atlas");
    expect(short.stats.anonymousFallbacks).toBeGreaterThan(0);
    expect((await call("/me", { base: short.url, headers: bearer("nonsense") })).status).toBe(401);
  });

  it("rotates the refresh cookie when asked to: the old one then stops working", async () => {
    const rotating = await startFlowSandbox({ samples: 12, rotateRefreshToken: true });
    try {
      const { cookie } = await login("alice", rotating.password, rotating.url);
      const first = await call("/token", { base: rotating.url, headers: { cookie } });
      expect(first.status).toBe(200);
      const rotated = first.headers.get("set-cookie")!.split(";")[0]!;
      expect(rotated).not.toBe(cookie);
      expect((await call("/token", { base: rotating.url, headers: { cookie } })).status).toBe(400);
      expect((await call("/token", { base: rotating.url, headers: { cookie: rotated } })).status).toBe(200);
      expect(rotating.violations).toEqual([]);
    } finally {
      await rotating.close();
    }
  });
});

describe("API keys and scopes", () => {
  it("accepts an API key as a bearer token and refuses a read-only key on writes and runs with 403", async () => {
    expect((await call("/me", { headers: key() })).body.username).toBe("alice");
    const readOnly = bearer(sb.readOnlyApiKey);
    expect((await call("/me", { headers: readOnly })).status).toBe(200);
    const run = await postJson(
      `/pipelines/versions/${sb.fixtures.rnaseqVersion}/run`,
      { params: {}, data_params: {}, csv_params: {}, nextflow_version: "24.04.2" },
      readOnly,
    );
    expect(run).toMatchObject({ status: 403, body: { error: "Token not authorised for this endpoint" } });
    const up = await chunk(
      "/upload",
      { filename: "x.txt", expected_file_size: "0", is_last: "true" },
      Buffer.from("x"),
      readOnly,
    );
    expect(up).toMatchObject({ status: 403, body: { error: "Token not authorised for this endpoint" } });
  });

  it("needs a token on mutations (401) and counts the refusals", async () => {
    const before = sb.stats.rejected;
    expect((await postJson("/projects/new", { name: "x" })).status).toBe(401);
    expect((await call(`/samples/${sb.fixtures.publicSample}/delete`, { method: "POST" })).status).toBe(401);
    expect(sb.stats.rejected).toBe(before + 2);
  });
});

describe("paging and search", () => {
  it("pages with page/count in the {count, page, samples} envelope; totals add up across pages", async () => {
    const first = await call("/samples/search?count=100");
    expect(first.status).toBe(200);
    expect(first.body.page).toBe(1);
    expect(first.body.samples).toHaveLength(100);
    const total = first.body.count as number;
    const seen = new Set<string>(first.body.samples.map((s: { id: string }) => s.id));
    for (let page = 2; page <= Math.ceil(total / 100); page++) {
      const next = await call(`/samples/search?count=100&page=${page}`);
      for (const s of next.body.samples) seen.add(s.id);
    }
    expect(seen.size).toBe(total);
    const beyond = await call(`/samples/search?count=100&page=${Math.ceil(total / 100) + 1}`);
    expect(beyond.body).toMatchObject({ count: total, samples: [] });
    const byDefault = await call("/samples/search");
    expect(byDefault.body.samples).toHaveLength(10);
  });

  it("refuses a count above 100 with a 400, on every search endpoint", async () => {
    for (const path of ["samples", "projects", "executions", "data", "users"]) {
      const res = await call(`/${path}/search?count=101`);
      expect(res.status, path).toBe(400);
      expect(Object.keys(res.body.error)).toEqual(["count"]);
    }
    const envelopes = await Promise.all(
      ["samples", "projects", "executions", "data", "users"].map((k) => call(`/${k}/search?count=1`)),
    );
    envelopes.forEach((res, i) =>
      expect(Object.keys(res.body).sort()).toEqual(
        ["count", "page", ["samples", "projects", "executions", "data", "users"][i]!].sort(),
      ),
    );
  });

  it("filters samples by field, including metadata attributes, and sorts by name", async () => {
    const human = await call("/samples/search?organism=Hs&count=100");
    expect(human.body.samples.every((s: any) => s.organism?.id === "Hs")).toBe(true);
    const rna = await call("/samples/search?sample_types=RNA-Seq,CLIP&count=100");
    expect(rna.body.samples.every((s: any) => ["RNA-Seq", "CLIP"].includes(s.sample_type.identifier))).toBe(
      true,
    );
    const brain = await call("/samples/search?tissue=Brain&count=100");
    expect(brain.body.count).toBeGreaterThan(0);
    expect(brain.body.samples.every((s: any) => s.metadata.tissue.value === "Brain")).toBe(true);
    const sorted = await call("/samples/search?sort=name&count=5");
    const names = sorted.body.samples.map((s: { name: string }) => s.name);
    expect(names).toEqual([...names].sort());
    const owned = await call("/samples/search?owned=true&count=100", { headers: key() });
    expect(owned.body.count).toBeGreaterThan(0);
    expect(owned.body.samples.every((s: any) => s.owner_name === "Alice Smith")).toBe(true);
  });

  it("searches data by pattern and size, and executions by status", async () => {
    const tsv = await call(`/data/search?pattern=${encodeURIComponent("\\.tsv$")}&count=100`);
    expect(tsv.body.count).toBeGreaterThan(0);
    expect(tsv.body.data.every((d: any) => d.filename.endsWith(".tsv"))).toBe(true);
    const big = await call("/data/search?size_gt=3000000&count=100");
    expect(big.body.data.every((d: any) => d.size >= 3_000_000)).toBe(true);
    expect((await call("/data/search?pattern=(")).status).toBe(400);
    const failed = await call("/executions/search?status=ERROR&count=100");
    expect(failed.body.count).toBeGreaterThan(0);
    expect(failed.body.executions.every((e: any) => e.status === "ERROR")).toBe(true);
  });

  it("lists a private sample of a public project anonymously, but not its data or executions", async () => {
    const id = sb.fixtures.privateSampleInPublicProject;
    expect((await call(`/samples/${id}`)).status).toBe(200);
    expect((await call(`/samples/${id}/data`)).status).toBe(404);
    expect((await call(`/samples/${id}/executions`)).status).toBe(404);
    const own = await call(`/samples/${id}/data`, { headers: key() });
    expect(own.status).toBe(200);
    expect(typeof own.body.data[0].created).toBe("string"); // ISO timestamps on this sub-list
    expect((await call(`/samples/${sb.fixtures.privateSample}`)).status).toBe(404);
    expect((await call(`/samples/${sb.fixtures.privateSample}`, { headers: key() })).status).toBe(200);
  });
});

describe("pipelines and executions", () => {
  const runBody = (overrides: Record<string, unknown> = {}) => ({
    params: { strandedness: "reverse" },
    data_params: {},
    csv_params: { input: { rows: [{ sample: sb.fixtures.publicSample, values: {} }] } },
    nextflow_version: "24.04.2",
    ...overrides,
  });

  async function waitFor(id: string, done: (status: string) => boolean, headers = key()) {
    for (let i = 0; i < 100; i++) {
      const res = await call(`/executions/${id}?include=status&include=finished`, { headers });
      if (done(res.body.status)) return res.body;
      await sleep(25);
    }
    throw new Error(`execution ${id} never finished`);
  }

  it("serves the category tree; private pipelines only with a token", async () => {
    const anonymous = await call("/pipelines");
    const names = (tree: any[]) =>
      tree.flatMap((c) => c.subcategories.flatMap((s: any) => s.pipelines.map((p: any) => p.name)));
    expect(Array.isArray(anonymous.body)).toBe(true);
    expect(names(anonymous.body)).toContain("RNA-seq");
    expect(names(anonymous.body)).not.toContain("Private Pipeline");
    expect(names((await call("/pipelines", { headers: key() })).body)).toContain("Private Pipeline");
    expect((await call(`/pipelines/${sb.fixtures.privatePipeline}`)).status).toBe(404);
    const rnaseq = await call(`/pipelines/${sb.fixtures.rnaseqPipeline}`);
    expect(rnaseq.body.versions.map((v: { name: string }) => v.name)).toEqual(["3.14.0", "3.12.0"]);
    const version = await call(`/pipelines/versions/${sb.fixtures.rnaseqVersion}`);
    expect(version.body.nextflow_versions).toEqual(["24.04.2", "23.04.3"]);
    expect(version.body.schema.inputs.length).toBeGreaterThan(0);
  });

  it('runs a version: pending (""), running ("-"), then OK, with steps, outputs and a results archive', async () => {
    // Long enough phases that a poll every 20 ms sees each one even on a busy machine.
    sb.setExecutionDurations({ pendingMs: 250, runningMs: 500 });
    const run = await postJson(`/pipelines/versions/${sb.fixtures.rnaseqVersion}/run`, runBody(), key());
    sb.setExecutionDurations({ pendingMs: 120, runningMs: 240 });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({
      status: "",
      started: null,
      finished: null,
      nextflow_version: "24.04.2",
    });
    const id = run.body.id as string;
    expect((await call(`/executions/${id}/results.zip`, { headers: key() })).status).toBe(404);
    const seen = new Set<string>([run.body.status]);
    for (let i = 0; i < 100 && !seen.has("OK"); i++) {
      seen.add((await call(`/executions/${id}?include=status`, { headers: key() })).body.status);
      await sleep(20);
    }
    expect([...seen]).toEqual(["", "-", "OK"]);
    const done = await call(`/executions/${id}`, { headers: key() });
    expect(done.body.process_executions.map((p: any) => [p.process_name, p.status])).toEqual(
      ["FASTQC", "TRIMGALORE", "STAR_ALIGN", "SALMON_QUANT", "MULTIQC"].map((n) => [n, "COMPLETED"]),
    );
    expect(done.body.finished - done.body.started).toBeCloseTo(0.5, 1);
    expect(done.body.downstream_data).toHaveLength(2);
    const tail = await call(`/executions/${id}?log=20&include=log`, { headers: key() });
    expect(done.body.log.slice(20)).toBe(tail.body.log);
    // Private to its owner.
    expect((await call(`/executions/${id}`)).status).toBe(404);
    const listed = await call("/executions/search?owned=true&count=100", { headers: key() });
    expect(listed.body.executions.map((e: { id: string }) => e.id)).toContain(id);

    const archive = sb.resultsArchive(id);
    const whole = await fetch(`${sb.url}/executions/${id}/results.zip`, { headers: key() });
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("application/zip");
    const bytes = new Uint8Array(await whole.arrayBuffer());
    expect(bytes.length).toBe(archive.file.size);
    expect(sha256(bytes)).toBe(archive.sha256());
    // No source shows Range honoured on downloads: the whole archive again, never a 206.
    const again = await fetch(`${sb.url}/executions/${id}/results.zip`, {
      headers: { ...key(), range: "bytes=1000-", "if-range": whole.headers.get("etag")! },
    });
    expect(again.status).toBe(200);
    expect(sha256(new Uint8Array(await again.arrayBuffer()))).toBe(archive.sha256());
    expect((await call(`/executions/${id}/other.zip`, { headers: key() })).status).toBe(404);
  });

  it("fails the next run when asked: ERROR with stderr and a FAILED step, and no archive", async () => {
    sb.failNextExecution("Out of memory");
    const run = await postJson(`/pipelines/versions/${sb.fixtures.rnaseqVersion}/run`, runBody(), key());
    const end = await waitFor(run.body.id, (s) => s === "ERROR" || s === "OK");
    expect(end.status).toBe("ERROR");
    const detail = await call(`/executions/${run.body.id}?exclude=pipeline&exclude=command`, {
      headers: key(),
    });
    expect(detail.body.stderr).toContain("Out of memory");
    expect(detail.body.pipeline).toBeUndefined();
    expect(detail.body.process_executions.at(-1).status).toBe("FAILED");
    expect((await call(`/executions/${run.body.id}/results.zip`, { headers: key() })).status).toBe(404);
  });

  it("cancels a run in flight; only its owner may", async () => {
    sb.setExecutionDurations({ pendingMs: 5_000 });
    try {
      const run = await postJson(`/pipelines/versions/${sb.fixtures.rnaseqVersion}/run`, runBody(), key());
      const { body: bobLogin } = await login("bob", "bob-sandbox-password");
      // Bob sees the run (it is on a public sample) but may not cancel it.
      expect(
        (await call(`/executions/${run.body.id}/cancel`, { method: "POST", headers: bearer(bobLogin.token) }))
          .status,
      ).toBe(403);
      const cancel = await call(`/executions/${run.body.id}/cancel`, { method: "POST", headers: key() });
      expect(cancel.body).toEqual({ success: true, message: "Execution cancellation requested" });
      expect((await call(`/executions/${run.body.id}?include=status`, { headers: key() })).body.status).toBe(
        "CANCELED",
      );
      const again = await call(`/executions/${run.body.id}/cancel`, { method: "POST", headers: key() });
      expect(again.body.success).toBe(false);
      const queue = await call("/queue", { headers: key() });
      expect(queue.status).toBe(200);
    } finally {
      sb.setExecutionDurations({ pendingMs: 120 });
    }
  });

  it("validates runs: 400 field errors, 403 for users who cannot run, 404 for unknown versions, 401 without a token", async () => {
    const path = `/pipelines/versions/${sb.fixtures.rnaseqVersion}/run`;
    const nextflow = await postJson(path, runBody({ nextflow_version: "1.0" }), key());
    expect(nextflow.status).toBe(400);
    expect(Object.keys(nextflow.body.error)).toEqual(["nextflow_version"]);
    const choice = await postJson(path, runBody({ params: { strandedness: "sideways" } }), key());
    expect(Object.keys(choice.body.error)).toEqual(["strandedness"]);
    const missingSample = await postJson(
      path,
      runBody({ csv_params: { input: { rows: [{ sample: "999999" }] } } }),
      key(),
    );
    expect(Object.keys(missingSample.body.error)).toEqual(["input"]);
    const { params: _, ...withoutParams } = runBody();
    expect((await postJson(path, withoutParams, key())).status).toBe(400);
    const { body: bob } = await login("bob", "bob-sandbox-password");
    expect(await postJson(path, runBody(), bearer(bob.token))).toMatchObject({
      status: 403,
      body: { error: "User cannot run pipelines" },
    });
    expect((await postJson("/pipelines/versions/999/run", runBody(), key())).status).toBe(404);
    expect((await postJson(path, runBody())).status).toBe(401);
    const both = await call(`/executions/${sb.fixtures.finishedExecution}?include=status&exclude=log`);
    expect(both.status).toBe(400);
  });
});

describe("projects, sharing and the seed-only operations", () => {
  it("creates a project, shares it with Bob, transfers it and deletes it", async () => {
    const created = await postJson("/projects/new", { name: "Sandbox project", organism: "human" }, key());
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      name: "Sandbox project",
      private: true,
      organism: { id: "Hs" },
      can_edit: true,
    });
    const id = created.body.id as string;
    const owned = await call("/projects/owned?count=100", { headers: key() });
    expect(owned.body.projects.map((p: { id: string }) => p.id)).toContain(id);
    const { body: bob } = await login("bob", "bob-sandbox-password");
    expect((await call(`/projects/${id}`, { headers: bearer(bob.token) })).status).toBe(404);
    expect((await postJson(`/projects/${id}/share`, { users: ["bob"] }, key())).status).toBe(200);
    const shared = await call("/projects/shared", { headers: bearer(bob.token) });
    expect(shared.body.projects.map((p: { id: string }) => p.id)).toContain(id);
    expect((await postJson(`/projects/${id}/share`, { users: ["bob"] }, bearer(bob.token))).status).toBe(403);
    expect((await postJson(`/projects/${id}/share`, { users: ["nobody"] }, key())).status).toBe(400);
    expect((await postJson(`/projects/${id}/transfer`, { user: "bob" }, key())).status).toBe(200);
    expect((await call(`/projects/${id}`, { headers: bearer(bob.token) })).body.owner.username).toBe("bob");
    expect(
      (await call(`/projects/${id}/delete`, { method: "POST", headers: bearer(bob.token) })).status,
    ).toBe(200);
    expect((await call(`/projects/${id}`, { headers: bearer(bob.token) })).status).toBe(404);
  });

  it("updates sample metadata across a project, checking controlled vocabularies", async () => {
    const project = sb.fixtures.publicProject;
    const sampleId = (await call(`/projects/${project}/samples?count=1`, { headers: key() })).body.samples[0]
      .id;
    const bad = await postJson(
      `/projects/${project}/metadata`,
      { samples: [{ id: sampleId, metadata: { tissue: "Moon" } }] },
      key(),
    );
    expect(bad.status).toBe(400);
    const good = await postJson(
      `/projects/${project}/metadata`,
      { samples: [{ id: Number(sampleId), metadata: { tissue: "Heart" } }] },
      key(),
    );
    expect(good.status).toBe(200);
    expect((await call(`/samples/${sampleId}`)).body.metadata.tissue.value).toBe("Heart");
  });

  it("keeps admin operations for admins, and answers the rest of the seed's endpoints", async () => {
    expect((await postJson("/data/types/create", { identifier: "vcf", name: "VCF" }, key())).status).toBe(
      403,
    );
    const carol = await login("carol", "carol-sandbox-password");
    expect(
      (await postJson("/data/types/create", { identifier: "vcf", name: "VCF" }, bearer(carol.body.token)))
        .status,
    ).toBe(200);
    expect((await call("/data/types")).body.map((t: { identifier: string }) => t.identifier)).toContain(
      "vcf",
    );
    expect((await call("/dau", { headers: key() })).status).toBe(403);
    expect((await call("/dau", { headers: bearer(carol.body.token) })).status).toBe(200);
    for (const path of [
      "/health",
      "/search/info",
      "/samples/sources",
      "/samples/purification_targets",
      "/groups/search",
      "/filesets/search",
      "/peka/entities?limit=5&offset=2",
    ]) {
      expect((await call(path)).status, path).toBe(200);
    }
    expect((await call("/peka/rbp?protein=HuR&species=human")).body.rbp.gene).toBe("ELAVL1");
    expect((await call("/peka/motif?motif=UUUUU")).body.rbps).toContain("HNRNPC");
    expect((await call("/analytics", { headers: key() })).body.user_stats.total_projects).toBeGreaterThan(0);
    const reset = await postJson("/password-reset/request", { email: "dave@example.org" });
    expect(reset.status).toBe(200);
    const token = sb.outbox.at(-1)!.token;
    expect((await postJson("/password-reset", { token, password: "new-password-123" })).status).toBe(200);
    expect((await login("dave", "new-password-123")).status).toBe(200);
    expect((await postJson("/password-reset", { token, password: "again-123456" })).status).toBe(400);
    const signup = await postJson("/signup", {
      username: "zoe",
      email: "zoe@example.org",
      password: "zoe-password",
    });
    expect(signup.status).toBe(200);
    expect(signup.headers.get("set-cookie")).toContain("flow_refresh_token=");
    expect(
      (await postJson("/signup", { username: "zoe", email: "z2@example.org", password: "zoe-password" }))
        .status,
    ).toBe(400);
  });
});

describe("admin registries of sample types and data types", () => {
  for (const base of ["/samples/types", "/data/types"]) {
    it(`${base}: only an admin creates, edits and deletes, with field errors and 404s`, async () => {
      const admin = bearer((await login("carol", "carol-sandbox-password")).body.token);
      const user = bearer((await login("alice")).body.token);
      const identifier = `test-${base.split("/")[1]}`;
      const listed = async () =>
        ((await call(base, { headers: admin })).body as { identifier: string; name: string }[]).find(
          (t) => t.identifier === identifier,
        );

      expect((await postJson(`${base}/create`, { identifier, name: "Test" }, user)).status).toBe(403);
      expect(await listed()).toBeUndefined();

      expect((await postJson(`${base}/create`, { identifier, name: "Test" }, admin)).status).toBe(200);
      expect(await listed()).toMatchObject({ identifier, name: "Test" });
      const again = await postJson(`${base}/create`, { identifier }, admin);
      expect(again.status).toBe(400);
      expect(again.body.error).toEqual({ identifier: ["Already exists."] });
      expect((await postJson(`${base}/create`, { name: "No id" }, admin)).body.error).toEqual({
        identifier: ["This field is required."],
      });

      expect((await postJson(`${base}/${identifier}/edit`, { name: "Renamed" }, user)).status).toBe(403);
      expect((await postJson(`${base}/${identifier}/edit`, { name: "Renamed" }, admin)).status).toBe(200);
      expect((await listed())?.name).toBe("Renamed");
      expect((await postJson(`${base}/missing/edit`, { name: "X" }, admin)).status).toBe(404);

      expect((await postJson(`${base}/${identifier}/delete`, {}, user)).status).toBe(403);
      expect((await postJson(`${base}/${identifier}/delete`, {}, admin)).status).toBe(200);
      expect(await listed()).toBeUndefined();
      expect((await postJson(`${base}/${identifier}/delete`, {}, admin)).status).toBe(404);
    });
  }
});
