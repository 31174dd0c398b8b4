import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startBrainstemSandbox, type BrainstemSandbox } from "../src/brainstem/index.js";
import { bs, as, call, getAs, names, useBrainstemSandbox } from "./brainstem-support.js";

type Json = any;

useBrainstemSandbox();

describe("spec coverage", () => {
  it("implements every operation of the spec", () => {
    const spec = parse(
      readFileSync(fileURLToPath(new URL("../../../specs/brainstem/openapi.yaml", import.meta.url)), "utf8"),
      { maxAliasCount: -1 },
    );
    const ids: string[] = [];
    for (const item of Object.values<Json>(spec.paths))
      for (const m of ["get", "post", "put", "patch", "delete"]) if (item[m]) ids.push(item[m].operationId);
    expect(ids).toHaveLength(475);
    expect(bs.operations).toEqual([...ids].sort());
  });

  it("takes filter{}, sort[] and include[] raw or percent-encoded (the router must not reject them)", async () => {
    const raw = await getAs(
      "alice",
      "/api/private/stem/session/?filter{name.icontains}=v1&sort[]=-name&include[]=projects",
    );
    const encoded = await getAs(
      "alice",
      "/api/private/stem/session/?filter%7Bname.icontains%7D=v1&sort%5B%5D=-name&include%5B%5D=projects",
    );
    expect(raw.status).toBe(200);
    expect(encoded.body).toEqual(raw.body);
    expect(names(raw.body.sessions)[0]).toBe("V1 session 06");
    expect(bs.violations).toEqual([]);
  });
});

describe("public and private portals", () => {
  it("serves only public records on the public portal, without credentials", async () => {
    const { status, body } = await call("/api/public/stem/project/?limit=100");
    expect(status).toBe(200);
    expect(body.count).toBe(28);
    expect(body.projects.every((p: Json) => p.is_public === true)).toBe(true);
    expect(names(body.projects)).toContain("Visual cortex dynamics");
    expect(names(body.projects)).not.toContain("Hippocampal replay");
    const hidden = await call(`/api/public/stem/project/${bs.ids["project/replay"]}/`);
    expect(hidden).toMatchObject({ status: 404, body: { detail: "Not found." } });
    const sessions = await call("/api/public/stem/session/?limit=100");
    expect(names(sessions.body.sessions)).not.toContain("Replay day 1");
    expect(names(sessions.body.sessions)).toContain("Neuropixels probe A");
  });

  it("needs a token on the private portal, and says why it refuses one", async () => {
    const none = await call("/api/private/stem/project/");
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ detail: "Authentication credentials were not provided." });
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    const wrong = await call("/api/private/stem/project/", { headers: { authorization: "Bearer nope" } });
    expect(wrong).toMatchObject({ status: 401, body: { detail: "Invalid token." } });
  });

  it("shows each user the projects they are a member of, directly or through a group", async () => {
    const alice = await getAs("alice", "/api/private/stem/project/?sort[]=name");
    expect(names(alice.body.projects)).toEqual(["Hippocampal replay", "Visual cortex dynamics"]);
    const bob = await getAs("bob", "/api/private/stem/project/?sort[]=name");
    expect(names(bob.body.projects)).toEqual([
      "Hippocampal replay",
      "Sleep spindles pilot",
      "Visual cortex dynamics",
    ]);
    const carol = await getAs("carol", "/api/private/stem/project/?limit=1");
    expect(carol.body.count).toBe(28); // replay (viewer), allen (owner) and the 26 generated ones
    const dave = await getAs("dave", "/api/private/stem/project/");
    expect(dave.body).toMatchObject({ projects: [], count: 0, next: null, previous: null });
    expect((await getAs("dave", `/api/private/stem/project/${bs.ids["project/sleep"]}/`)).status).toBe(404);
  });
});

describe("filters, sorting and include", () => {
  const sessions = async (query: string, who: "alice" | "carol" = "alice") => {
    const { status, body } = await getAs(who, `/api/private/stem/session/?limit=100&${query}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return names(body.sessions);
  };

  it.each([
    ["filter{name}=V1 session 03", ["V1 session 03"]],
    ["filter{name.iexact}=v1 SESSION 03", ["V1 session 03"]],
    ["filter{name.icontains}=DAY", ["Replay day 1", "Replay day 2"]],
    ["filter{name.istartswith}=replay", ["Replay day 1", "Replay day 2"]],
    ["filter{name.istartswith}=SESSION", []],
    ["filter{name.iendswith}=SESSION 01", ["V1 session 01"]],
    ["filter{name.iendswith}=v1", []],
    ["filter{name.startswith}=replay", []],
    ["filter{name.endswith}=day 2", ["Replay day 2"]],
    ["filter{date_time.gt}=2024-02-05T10:00:00Z", ["V1 session 06", "Replay day 1", "Replay day 2"]],
    [
      "filter{date_time.gte}=2024-02-05T10:00:00Z&filter{date_time.lt}=2024-03-01T00:00:00Z",
      ["V1 session 05", "V1 session 06"],
    ],
    ["filter{date_time.lte}=2024-02-01T10:00:00Z", ["V1 session 01"]],
    ["filter{-name.icontains}=v1", ["Replay day 1", "Replay day 2"]],
    ["filter{tags}=even", ["V1 session 02", "V1 session 04", "V1 session 06"]],
  ])("%s", async (query, expected) => {
    expect(await sessions(query)).toEqual(expected);
  });

  it("filters across relations (projects.id, nested fields) and ANDs several filters", async () => {
    const byProject = await sessions(`filter{projects.id}=${bs.ids["project/replay"]}`);
    expect(byProject).toEqual(["Replay day 1", "Replay day 2"]);
    expect(await sessions(`filter{projects}=${bs.ids["project/replay"]}`)).toEqual(byProject);
    expect(await sessions("filter{projects.name.icontains}=hippocampal")).toEqual(byProject);
    // The seed's example: both conditions must hold.
    const { body } = await call(
      "/api/public/stem/project/?filter{name.icontains}=allen&filter{description.icontains}=neuropixels",
    );
    expect(names(body.projects)).toEqual(["Allen Brain Observatory reanalysis"]);
    const none = await call(
      "/api/public/stem/project/?filter{name.icontains}=allen&filter{description.icontains}=zebra",
    );
    expect(none.body.count).toBe(0);
  });

  it("refuses unknown filter fields and bad values with a 400", async () => {
    const unknown = await getAs("alice", "/api/private/stem/session/?filter{colour}=red");
    expect(unknown).toMatchObject({ status: 400, body: { detail: "Invalid filter field: colour" } });
    const badId = await getAs("alice", "/api/private/stem/session/?filter{projects.id}=nope");
    expect(badId.status).toBe(400);
    expect(badId.body.detail).toContain("is not a valid UUID");
  });

  it("sorts by repeated sort[] keys, - for descending, and refuses unknown ones", async () => {
    expect((await sessions("filter{name.icontains}=v1&sort[]=-name")).slice(0, 2)).toEqual([
      "V1 session 06",
      "V1 session 05",
    ]);
    const twoKeys = await getAs("carol", "/api/private/stem/subject/?sort[]=-sex&sort[]=-name");
    expect(twoKeys.body.subjects.map((s: Json) => `${s.sex} ${s.name}`)).toEqual([
      "M Rat R1",
      "M Mouse A3",
      "F Mouse N1",
    ]);
    const dated = await sessions("sort[]=-date_time", "carol");
    expect(dated).toEqual(["Replay day 2", "Replay day 1", "Two-photon session 1", "Neuropixels probe A"]);
    const bad = await getAs("alice", "/api/private/stem/session/?sort[]=-created_date");
    expect(bad).toMatchObject({ status: 400, body: { detail: "Invalid sort field: -created_date" } });
  });

  it("expands relations named in include[] (rel and rel.*), nested too, on lists and records", async () => {
    const plain = await getAs("alice", `/api/private/stem/session/${bs.ids["session/v1-1"]}/`);
    expect(plain.body.session.projects).toEqual([bs.ids["project/visual"]]);
    expect(plain.body.session.behaviors).toEqual([bs.ids["behavior/v1-1"]]);
    const expanded = await getAs(
      "alice",
      `/api/private/stem/session/${bs.ids["session/v1-1"]}/?include[]=projects.*&include[]=behaviors.subjects`,
    );
    expect(expanded.body.session.projects[0]).toMatchObject({
      id: bs.ids["project/visual"],
      name: "Visual cortex dynamics",
    });
    const behavior = expanded.body.session.behaviors[0];
    expect(behavior.session).toBe(bs.ids["session/v1-1"]);
    expect(behavior.subjects[0]).toMatchObject({ id: bs.ids["subject/a1"], name: "Mouse A1" });
    const listed = await getAs(
      "alice",
      "/api/private/stem/project/?include[]=sessions&filter{name}=Hippocampal replay",
    );
    expect(names(listed.body.projects[0].sessions)).toEqual(["Replay day 1", "Replay day 2"]);
    const bad = await getAs("alice", `/api/private/stem/session/${bs.ids["session/v1-1"]}/?include[]=colour`);
    expect(bad).toMatchObject({
      status: 400,
      body: { detail: '"colour" is not a valid field name for "session".' },
    });
    expect(bs.violations).toEqual([]);
  });

  it("expands only what the portal may show", async () => {
    const { body } = await call(`/api/public/stem/session/${bs.ids["session/v1-1"]}/?include[]=datastorage`);
    expect(names(body.session.datastorage)).toEqual(["DANDI archive"]); // the lab NAS is private
  });
});

describe("paging", () => {
  it("pages with limit/offset (20 by default) and links next and previous", async () => {
    const first = await call("/api/public/stem/project/?sort[]=name");
    expect(first.body.projects).toHaveLength(20);
    expect(first.body.count).toBe(28);
    expect(first.body.previous).toBeNull();
    const next = new URL(first.body.next);
    expect(next.searchParams.get("offset")).toBe("20");
    expect(next.searchParams.get("limit")).toBe("20");
    expect(next.searchParams.getAll("sort[]")).toEqual(["name"]);
    const second = await call(first.body.next);
    expect(second.body.projects).toHaveLength(8);
    expect(second.body.next).toBeNull();
    expect(new URL(second.body.previous).searchParams.get("offset")).toBeNull();
    const all = [...names(first.body.projects), ...names(second.body.projects)];
    expect(new Set(all).size).toBe(28);
    expect(all).toEqual([...all].sort((a, b) => a.localeCompare(b, "en")));
    const middle = await call("/api/public/stem/project/?limit=5&offset=12");
    expect(new URL(middle.body.previous).searchParams.get("offset")).toBe("7");
    expect((await call("/api/public/stem/project/?offset=500")).body).toMatchObject({
      projects: [],
      count: 28,
    });
  });

  it("refuses a limit above 100 with a DRF error", async () => {
    const { status, body } = await call("/api/public/stem/project/?limit=101");
    expect(status).toBe(400);
    expect(body).toEqual({ limit: ["Ensure this value is less than or equal to 100."] });
    expect((await call("/api/public/stem/project/?limit=100")).status).toBe(200);
  });
});

describe("the Python client's underscored URLs and the super portal", () => {
  let own: BrainstemSandbox;
  beforeAll(async () => {
    own = await startBrainstemSandbox({ publicProjects: 0 });
  });
  afterAll(() => own.close());
  const getOwn = (who: keyof BrainstemSandbox["users"] | undefined, path: string) =>
    call(`${own.url}${path}`, { headers: who ? { authorization: `Bearer ${own.users[who].token}` } : {} });

  it.each([
    [
      "stem",
      "project_membership_invitation",
      "projectmembershipinvitation",
      "project_membership_invitations",
    ],
    [
      "stem",
      "project_group_membership_invitation",
      "projectgroupmembershipinvitation",
      "project_group_membership_invitations",
    ],
    ["users", "group_membership_invitation", "groupmembershipinvitation", "group_membership_invitations"],
    ["users", "group_membership_request", "groupmembershiprequest", "group_membership_requests"],
  ])("answers %s/%s as the docs' %s", async (app, py, docs, listKey) => {
    const alias = await getOwn("admin", `/api/private/${app}/${py}/`);
    const canonical = await getOwn("admin", `/api/private/${app}/${docs}/`);
    expect(alias.status).toBe(200);
    expect(alias.body[listKey]).toHaveLength(1);
    expect(alias.body[listKey]).toEqual(canonical.body[listKey]);
    const id = alias.body[listKey][0].id;
    expect((await getOwn("admin", `/api/private/${app}/${py}/${id}/`)).body).toEqual(
      (await getOwn("admin", `/api/private/${app}/${docs}/${id}/`)).body,
    );
    expect((await getOwn("admin", `/api/private/${app}/${py}/${own.ids["project/visual"]}/`)).status).toBe(
      404,
    );
  });

  it("runs an action at the underscored URL: carol accepts her group invitation", async () => {
    const id = own.ids["groupmembershipinvitation/carol-adams"]!;
    const accepted = await getOwn("carol", `/api/private/users/group_membership_invitation/${id}/accept/`);
    expect(accepted).toMatchObject({ status: 200, body: { detail: "The invitation was accepted." } });
    expect(own.record("users/groupmembershipinvitation", id)).toBeUndefined();
  });

  it("serves the super portal to staff only, with every record", async () => {
    const all = await getOwn("admin", "/api/super/stem/project/?limit=100");
    const alices = await getOwn("alice", "/api/private/stem/project/?limit=100");
    expect(all.status).toBe(200);
    expect(all.body.count).toBeGreaterThan(alices.body.count);
    const replay = own.ids["project/replay"];
    expect((await getOwn("admin", `/api/super/stem/project/${replay}/`)).body.project.name).toBe(
      "Hippocampal replay",
    );
    expect((await getOwn("alice", "/api/super/stem/project/")).status).toBe(403);
    expect((await getOwn("alice", `/api/super/stem/project/${replay}/`)).status).toBe(403);
    expect((await getOwn(undefined, "/api/super/stem/project/")).status).toBe(401);
    expect(own.violations).toEqual([]);
  });
});

describe("tokens", () => {
  const withToken = (token: string) =>
    call("/api/private/stem/project/", { headers: { authorization: `Bearer ${token}` } });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const postJson = (path: string, body: unknown) =>
    call(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("has no password login (docs 9e93dec): the seed's token endpoints are gone, personal access tokens work", async () => {
    for (const path of ["/api/auth/token/", "/api/auth/token/refresh/", "/api/token/"])
      expect((await postJson(path, { email: bs.users.bob.email, password: "x" })).status).toBe(404);
    expect((await withToken(bs.users.bob.token)).status).toBe(200);
    expect(await withToken("bst_not-a-token")).toMatchObject({
      status: 401,
      body: { detail: "Invalid token." },
    });
    expect(bs.users.bob).not.toHaveProperty("password");
  });

  describe("device flow", () => {
    const start = async () => {
      const { status, body } = await call("/api/auth/device/", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_name: "brainstem-python" }),
      });
      expect(status).toBe(200);
      return body;
    };
    const poll = (deviceCode: string) =>
      call("/api/auth/device/token/", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ device_code: deviceCode }),
      });

    it("stays pending (HTTP 200) until approved, then hands out a working token once", async () => {
      const device = await start();
      expect(device).toMatchObject({ interval: 0, expires_in: 1 });
      expect(device.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
      expect(device.verification_uri).toBe(bs.approveUrl);
      expect(device.verification_uri_complete).toBe(`${bs.approveUrl}?session=${device.session_id}`);
      expect(bs.pendingDevices().map((d) => d.userCode)).toContain(device.user_code);
      expect(await poll(device.device_code)).toMatchObject({
        status: 200,
        body: { status: "authorization_pending" },
      });
      bs.approveDevice(device.user_code, "carol");
      const done = await poll(device.device_code);
      expect(done.status).toBe(200);
      expect(done.body.status).toBe("success");
      expect((await withToken(done.body.token)).body.count).toBe(28); // carol's view
      expect((await poll(device.device_code)).body).toEqual({ error: "already_used" });
    });

    const html = async (url: string, init: RequestInit = {}) => {
      const res = await fetch(url, init);
      return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
    };

    it("is approved by a person at verification_uri_complete: a page with an approve button", async () => {
      const device = await start();
      const shown = await html(device.verification_uri_complete);
      expect(shown.status).toBe(200);
      expect(shown.type).toMatch(/^text\/html/);
      expect(shown.text).toContain(device.user_code);
      expect(shown.text).toMatch(/<button[^>]*value="approve"[^>]*>Approve<\/button>/);
      const approved = await html(bs.approveUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ code: device.user_code, user: "carol", decision: "approve" }).toString(),
      });
      expect(approved).toMatchObject({ status: 200 });
      expect(approved.text).toContain("carol@sandbox.brainstem.test");
      const done = await poll(device.device_code);
      expect(done.body.status).toBe("success");
      expect((await withToken(done.body.token)).body.count).toBe(28); // carol's view
    });

    it("takes a code typed at verification_uri (headless mode), in any case, and a denial", async () => {
      const device = await start();
      const blank = await html(device.verification_uri);
      expect(blank.text).toContain('name="code"');
      const denied = await html(bs.approveUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ code: device.user_code.toLowerCase(), decision: "deny" }).toString(),
      });
      expect(denied).toMatchObject({ status: 200 });
      expect((await poll(device.device_code)).body).toEqual({ error: "access_denied" });
      const unknown = await html(bs.approveUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "code=ZZZZ-ZZZZ&decision=approve",
      });
      expect(unknown.status).toBe(400);
    });

    it("approves at once with autoApprove (SANDBOX_AUTO_APPROVE)", async () => {
      const auto = await startBrainstemSandbox({
        autoApprove: "bob",
        deviceIntervalSeconds: 0,
        publicProjects: 0,
      });
      try {
        const post = (path: string, body: unknown) =>
          call(`${auto.url}${path}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          });
        const device = (await post("/api/auth/device/", { client_name: "brainstem-python" })).body;
        const done = await post("/api/auth/device/token/", { device_code: device.device_code });
        expect(done.body.status).toBe("success");
        const mine = await call(`${auto.url}/api/private/stem/project/`, {
          headers: { authorization: `Bearer ${done.body.token}` },
        });
        expect(mine.status).toBe(200);
      } finally {
        await auto.close();
      }
    });

    it("reports denial and expiry in the body, still with HTTP 200", async () => {
      const denied = await start();
      bs.denyDevice(denied.device_code);
      expect(await poll(denied.device_code)).toMatchObject({ status: 200, body: { error: "access_denied" } });
      const late = await start();
      await sleep(450);
      expect(await poll(late.device_code)).toMatchObject({ status: 200, body: { error: "expired_token" } });
      expect(() => bs.approveDevice(late.user_code)).toThrow(/expired/);
      expect((await poll("no-such-code")).body).toEqual({ error: "invalid_device_code" });
    });

    it("can ask clients that poll too fast to slow down", async () => {
      const strict = await startBrainstemSandbox({
        deviceSlowDown: true,
        deviceIntervalSeconds: 1,
        publicProjects: 0,
      });
      try {
        const post = (path: string, body: unknown) =>
          call(`${strict.url}${path}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          });
        const device = (await post("/api/auth/device/", {})).body;
        expect((await post("/api/auth/device/token/", { device_code: device.device_code })).body).toEqual({
          status: "authorization_pending",
        });
        expect((await post("/api/auth/device/token/", { device_code: device.device_code })).body).toEqual({
          status: "slow_down",
        });
        expect(strict.violations).toEqual([]);
      } finally {
        await strict.close();
      }
    });
  });

  it("broke no rule of the spec in any request above", () => {
    expect(bs.violations).toEqual([]);
  });
});
