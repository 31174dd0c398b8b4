import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBrainstemSandbox, type BrainstemSandbox } from "@sciportals/sandbox";
import { fileTokenStore } from "@sciportals/core/node";
import {
  AuthenticationError,
  BadRequestError,
  createBrainstemClient,
  memoryTokenStore,
  MissingCredentialsError,
  PermissionDeniedError,
  ValidationError,
  type TokenSet,
} from "../src/index.js";

let sandbox: BrainstemSandbox;
beforeAll(async () => {
  sandbox = await startBrainstemSandbox({ accessTokenTtlMs: 400, deviceIntervalSeconds: 0 });
});
afterAll(() => sandbox.close());
afterEach(() => {
  sandbox.setAccessTokenTtl(400);
  expect(sandbox.violations).toEqual([]);
});

const alice = () => sandbox.users.alice;
const pat = (user = alice()) =>
  createBrainstemClient({ baseUrl: sandbox.url, token: user.token, env: false });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lastQuery = () =>
  new URL(sandbox.requests.at(-1)!.path + sandbox.requests.at(-1)!.query, "http://x").searchParams;

describe("JWT sessions with refresh rotation", () => {
  it("50 concurrent calls with an expired access token cause exactly one refresh, and all succeed", async () => {
    const client = createBrainstemClient({
      baseUrl: sandbox.url,
      email: alice().email,
      password: alice().password,
      env: false,
    });
    await client.listSessions({ query: { limit: 1 } });
    await sleep(450); // the access token has expired
    sandbox.setAccessTokenTtl(60_000); // the refreshed one lives long: only one expiry is under test
    const before = sandbox.stats.refreshes;
    const results = await Promise.all(
      Array.from({ length: 50 }, () => client.listSessions({ query: { limit: 1 } })),
    );
    expect(results).toHaveLength(50);
    expect(sandbox.stats.refreshes - before).toBe(1);
  });

  it("stores the rotated refresh token; the old one is refused", async () => {
    const store = memoryTokenStore();
    const client = createBrainstemClient({
      baseUrl: sandbox.url,
      email: alice().email,
      password: alice().password,
      tokenStore: store,
      env: false,
    });
    await client.listProjects();
    const first = store.load() as TokenSet;
    await sleep(450);
    await client.listProjects();
    const second = store.load() as TokenSet;
    expect(second.refreshToken).toBeDefined();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const replay = await fetch(`${sandbox.url}/api/auth/token/refresh/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh: first.refreshToken }),
    });
    expect(replay.status).toBe(401);
  });

  it("a failed refresh surfaces one clear AuthenticationError without a loop", async () => {
    const stale = memoryTokenStore({
      accessToken: "expired-access",
      refreshToken: "already-used",
      expiresAt: Date.now() - 1,
    });
    const client = createBrainstemClient({ baseUrl: sandbox.url, tokenStore: stale, env: false });
    const before = sandbox.stats.refreshes + sandbox.stats.refreshFailures;
    const error = await client.listSessions().catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(
      /^BrainSTEM: the session could not be renewed \(.*Token is invalid or expired.*\)\. Pass `email` and `password` to createBrainstemClient\(\) or call client\.auth\.login\(\)\.$/,
    );
    expect(sandbox.stats.refreshes + sandbox.stats.refreshFailures - before).toBe(1);
  });

  it("persists the session in a 0600 file that a new client picks up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "brainstem-"));
    try {
      const path = join(dir, "brainstem", "tokens.json");
      const first = createBrainstemClient({
        baseUrl: sandbox.url,
        env: false,
        tokenStore: fileTokenStore(path),
      });
      await first.auth.login({ email: alice().email, password: alice().password });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const logins = sandbox.stats.logins;
      const second = createBrainstemClient({
        baseUrl: sandbox.url,
        env: false,
        tokenStore: fileTokenStore(path),
      });
      await second.listProjects();
      expect(sandbox.stats.logins).toBe(logins);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

  it("signs in with the device flow and stores the token", async () => {
    const store = memoryTokenStore();
    const client = createBrainstemClient({ baseUrl: sandbox.url, tokenStore: store, env: false });
    let shown = "";
    await client.auth.deviceLogin({
      body: { client_name: "sciportals-test" },
      onPrompt: (prompt) => {
        shown = `${prompt.userCode} ${prompt.verificationUri}`;
        sandbox.approveDevice(prompt.userCode, "alice");
      },
    });
    expect(shown).toMatch(/^\S+ http/);
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
    expect(error.message).toContain(
      "Pass `token` (or set BRAINSTEM_API_TOKEN), or `email` and `password` to createBrainstemClient().",
    );
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
