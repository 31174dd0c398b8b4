import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startBrainstemSandbox, type BrainstemSandbox } from "@sciportals/sandbox";
import {
  AuthenticationError,
  BadRequestError,
  createBrainstemClient,
  memoryTokenStore,
  MissingCredentialsError,
  PermissionDeniedError,
  ValidationError,
} from "../src/index.js";

let sandbox: BrainstemSandbox;
beforeAll(async () => {
  sandbox = await startBrainstemSandbox({ deviceIntervalSeconds: 0 });
});
afterAll(() => sandbox.close());
afterEach(() => {
  expect(sandbox.violations).toEqual([]);
});

const alice = () => sandbox.users.alice;
const pat = (user = alice()) =>
  createBrainstemClient({ baseUrl: sandbox.url, token: user.token, env: false });
const lastQuery = () =>
  new URL(sandbox.requests.at(-1)!.path + sandbox.requests.at(-1)!.query, "http://x").searchParams;

/** Approves a device flow as a person would: opens the page at verificationUriComplete and clicks Approve. */
async function approveInBrowser(url: string, user = "alice"): Promise<void> {
  const page = await fetch(url);
  const html = await page.text();
  expect(html).toMatch(/<button[^>]*value="approve"/);
  const code = /name="code" value="([^"]+)"/.exec(html)![1]!;
  const approved = await fetch(new URL("/account/authorize/", url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ code, user, decision: "approve" }).toString(),
  });
  expect(approved.status).toBe(200);
}

describe("the token file shared with the Python tool (~/.config/brainstem/token)", () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "brainstem-home-"));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));
  const tokenFile = () => join(home, ".config", "brainstem", "token");
  const fileClient = () =>
    createBrainstemClient({ baseUrl: sandbox.url, tokenStore: "file", env: { HOME: home } });

  it("keeps the device flow's token as the bare token, mode 0600, and the next client reuses it", async () => {
    await fileClient().auth.deviceLogin({
      body: { client_name: "sciportals-test" },
      onPrompt: (prompt) => void approveInBrowser(prompt.verificationUriComplete!),
    });
    const token = readFileSync(tokenFile(), "utf8");
    expect(token).toMatch(/^bst_[0-9a-f]{40}$/); // what py's write_text(token) leaves: no JSON, no newline
    expect(statSync(tokenFile()).mode & 0o777).toBe(0o600);
    const starts = sandbox.stats.deviceStarts;
    const again = fileClient();
    await expect(again.listProjects()).resolves.toHaveProperty("projects");
    expect(sandbox.stats.deviceStarts).toBe(starts); // no second login
    await again.auth.logout(); // as `brainstem logout`: the file goes
    expect(existsSync(tokenFile())).toBe(false);
  });

  it("reads a token the Python tool wrote (read_text().strip())", async () => {
    mkdirSync(join(home, ".config", "brainstem"), { recursive: true });
    writeFileSync(tokenFile(), `${sandbox.users.carol.token}\n`, { mode: 0o600 });
    const projects = await fileClient().listProjects({ query: { limit: 100 } });
    const carols = await pat(sandbox.users.carol).listProjects({ query: { limit: 100 } });
    expect(projects.count).toBe(carols.count);
  });
});

describe("personal access tokens and the device flow", () => {
  it("uses a token from the option, or BRAINSTEM_API_TOKEN", async () => {
    await expect(pat().listProjects()).resolves.toHaveProperty("projects");
    const fromEnv = createBrainstemClient({
      baseUrl: sandbox.url,
      env: { BRAINSTEM_API_TOKEN: alice().token },
    });
    await expect(fromEnv.listProjects()).resolves.toHaveProperty("projects");
  });

  it("signs in with the device flow, approved on the sandbox's page over HTTP, and stores the token", async () => {
    const store = memoryTokenStore();
    const client = createBrainstemClient({ baseUrl: sandbox.url, tokenStore: store, env: false });
    let shown = "";
    await client.auth.deviceLogin({
      body: { client_name: "sciportals-test" },
      onPrompt: (prompt) => {
        shown = `${prompt.userCode} ${prompt.verificationUri}`;
        void approveInBrowser(prompt.verificationUriComplete!);
      },
    });
    expect(shown).toBe(`${shown.split(" ")[0]} ${sandbox.url}/account/authorize/`);
    const me = await client.listProjects();
    expect(me.projects.length).toBeGreaterThan(0);
    expect(store.load()).toMatchObject({ scheme: "PersonalAccessToken" });
  });

  it("reports a denied device login clearly", async () => {
    const client = createBrainstemClient({ baseUrl: sandbox.url, env: false });
    const error = await client.auth
      .deviceLogin({ onPrompt: (prompt) => sandbox.denyDevice(prompt.userCode) })
      .catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe("BrainSTEM: device login failed: the request was denied in the browser");
  });

  it("without any credential, says every way to give one, before sending", async () => {
    const client = createBrainstemClient({ baseUrl: sandbox.url, env: false });
    const sent = sandbox.requests.length;
    const error = await client.listSessions().catch((e) => e);
    expect(error).toBeInstanceOf(MissingCredentialsError);
    expect(error.message).toBe(
      "BrainSTEM: listSessions needs a credential. Pass `token` (or set BRAINSTEM_API_TOKEN) to createBrainstemClient(). " +
        "Create a personal access token at https://www.brainstem.org/private/users/tokens/ (or sign in with the device flow).",
    );
    expect(error.message).not.toMatch(/password/);
    expect(sandbox.requests.length).toBe(sent);
  });
});

describe("the query syntax", () => {
  it("sends filters, sort and include exactly as the API expects", async () => {
    await pat().listPublicProjects({
      query: {
        filter: { "name.icontains": "visual", "description.icontains": "cortex" },
        sort: ["-name", "id"],
        include: ["sessions"],
        limit: 5,
      },
    });
    const query = lastQuery();
    expect(query.get("filter{name.icontains}")).toBe("visual");
    expect(query.get("filter{description.icontains}")).toBe("cortex");
    expect(query.getAll("sort[]")).toEqual(["-name", "id"]);
    expect(query.getAll("include[]")).toEqual(["sessions"]);
    expect(query.get("limit")).toBe("5");
  });

  it("sends lookups the types do not list (any field.lookup) and the portal applies them", async () => {
    const visual = sandbox.ids["project/visual"]!;
    const byId = await pat().listSessions({ query: { filter: { "projects.id": visual }, limit: 100 } });
    const byName = await pat().listSessions({
      query: { filter: { "projects.name.icontains": "VISUAL CORTEX" }, limit: 100 },
    });
    expect(lastQuery().get("filter{projects.name.icontains}")).toBe("VISUAL CORTEX");
    expect(byName.sessions.length).toBeGreaterThan(0);
    expect(byName.sessions.map((x) => x.id)).toEqual(byId.sessions.map((x) => x.id));
    const contains = await pat().listSessions({ query: { filter: { "name.contains": "session 0" } } });
    expect(lastQuery().get("filter{name.contains}")).toBe("session 0");
    expect(contains.sessions.every((x) => String(x.name).includes("session 0"))).toBe(true);
    // A field the portal does not have: dynamic-rest's 400, not a client-side refusal.
    await expect(pat().listSessions({ query: { filter: { "colour.iexact": "red" } } })).rejects.toThrow(
      BadRequestError,
    );
  });

  it("filters, sorts and includes as the portal does", async () => {
    const sorted = await pat().listPublicProjects({ query: { sort: ["name"], limit: 100 } });
    const names = sorted.projects.map((p) => String(p.name));
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    const visual = await pat().listPublicProjects({ query: { filter: { "name.icontains": "visual" } } });
    expect(visual.projects.every((p) => String(p.name).toLowerCase().includes("visual"))).toBe(true);
    const withSessions = await pat().getProject({
      path: { id: sandbox.ids["project/visual"]! },
      query: { include: ["sessions"] },
    });
    expect(JSON.stringify(withSessions.project.sessions)).toContain("name");
  });

  it("pages through every public project exactly once", async () => {
    const seen: string[] = [];
    for await (const project of pat().paginate("listPublicProjects", { query: { limit: 7 } }))
      seen.push(project.id);
    const total = (await pat().listPublicProjects({ query: { limit: 1 } })).count;
    expect(seen).toHaveLength(total!);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("rejects limit over 100 and a malformed UUID before sending", async () => {
    const sent = sandbox.requests.length;
    await expect(pat().listSessions({ query: { limit: 500 } })).rejects.toThrow(
      'BrainSTEM: listSessions: query parameter "limit" must be between 1 and 100 (got 500).',
    );
    const error = await pat()
      .getSession({ path: { id: "12345" } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('path parameter "id" must match');
    expect(sandbox.requests.length).toBe(sent);
  });
});

describe("the public portal and records", () => {
  it("sends no credentials to the public portal", async () => {
    await pat().listPublicSessions({ query: { limit: 1 } });
    expect(sandbox.requests.at(-1)!.hasAuthorization).toBe(false);
  });

  it("creates, updates and deletes a session; projects go as a list", async () => {
    const client = pat();
    const project = sandbox.ids["project/visual"]!;
    const created = await client.createSession({
      body: { name: `Sciportals test ${Date.now()}`, projects: [project], description: "created by a test" },
    });
    const id = created.session.id;
    const updated = await client.updateSession({ path: { id }, body: { description: "changed" } });
    expect(updated.session.description).toBe("changed");
    await client.deleteSession({ path: { id } });
    await expect(client.getSession({ path: { id } })).rejects.toMatchObject({ status: 404 });
  });

  it("a viewer who may not change a record gets a PermissionDeniedError", async () => {
    const carol = pat(sandbox.users.carol);
    const sessions = await carol.listSessions({ query: { limit: 100 } });
    const notHers = sessions.sessions.find((s) => s.projects?.length);
    expect(notHers).toBeDefined();
    await expect(
      carol.updateSession({ path: { id: notHers!.id }, body: { description: "x" } }),
    ).rejects.toThrow(PermissionDeniedError);
  });

  it("DRF field errors become a BadRequestError naming the fields", async () => {
    const error = await pat()
      .createSession({ body: { name: "", projects: [] } as never })
      .catch((e) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toMatch(/createSession failed with 400 Bad Request: .*name: /);
  });
});

describe("the Python client's URLs and the super portal", () => {
  it("answers the underscored alias operations like the docs' ones", async () => {
    const admin = pat(sandbox.users.admin);
    const docs = await admin.listGroupMembershipRequests();
    const alias = await admin.listGroupMembershipRequestsUnderscored();
    expect(sandbox.requests.at(-1)!.path).toBe("/api/private/users/group_membership_request/");
    expect(alias.group_membership_requests).toEqual(docs.group_membership_requests);
    expect(alias.group_membership_requests.length).toBeGreaterThan(0);
  });

  it("lists every record to staff on the super portal, and refuses others", async () => {
    const all = await pat(sandbox.users.admin).listSuperProjects({ query: { limit: 100 } });
    expect(sandbox.requests.at(-1)!.path).toBe("/api/super/stem/project/");
    expect(all.count).toBeGreaterThan((await pat().listProjects({ query: { limit: 100 } })).count!);
    await expect(pat().listSuperProjects()).rejects.toThrow(PermissionDeniedError);
  });
});

describe("state-changing GETs", () => {
  it("are not retried after a 5xx, since a retry could act twice", async () => {
    const carol = pat(sandbox.users.carol);
    sandbox.faults.failNext(1, { status: 503, match: (req) => String(req.url).includes("/join/") });
    const before = sandbox.requests.length;
    await expect(carol.joinGroup({ path: { id: 1 } })).rejects.toMatchObject({ status: 503 });
    expect(sandbox.requests.length - before).toBe(1);
    sandbox.faults.clear();
  });
});
