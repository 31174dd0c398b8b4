import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  createPortalClient,
  createTokenSession,
  memoryTokenStore,
  MissingCredentialsError,
  sessionAuth,
  type ClientAuth,
  type OperationMeta,
  type PortalClientOptions,
  type PortalDefinition,
  type TokenSet,
} from "../src/index.js";
import { fileTokenStore } from "../src/node.js";
import { portalTokenFileStore } from "../src/portal-token-file.js";
import { json, startServer, type TestServer } from "./helpers.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe("createTokenSession", () => {
  it("shares one refresh among 50 calls when the token has expired", async () => {
    let refreshes = 0;
    const session = createTokenSession({
      portal: "P",
      store: memoryTokenStore({ accessToken: "old", refreshToken: "r0", expiresAt: Date.now() - 1 }),
      refresh: async (current) => {
        refreshes++;
        await new Promise((r) => setTimeout(r, 30));
        return {
          accessToken: `new-${refreshes}`,
          refreshToken: `${current.refreshToken}+`,
          expiresAt: Date.now() + 60_000,
        };
      },
    });
    const headers = await Promise.all(Array.from({ length: 50 }, () => session.get()));
    expect(refreshes).toBe(1);
    expect(new Set(headers.map((h) => h.value))).toEqual(new Set(["Bearer new-1"]));
  });

  it("with refreshWithoutToken (a browser's own refresh cookie), refreshes before logging in again", async () => {
    const calls: string[] = [];
    let cookieValid = true;
    const session = createTokenSession({
      portal: "P",
      store: memoryTokenStore({ accessToken: "expired", expiresAt: Date.now() - 1 }), // no refresh token known
      refreshWithoutToken: true,
      login: async () => {
        calls.push("login");
        return { accessToken: "by-login", expiresAt: Date.now() + 60_000 };
      },
      refresh: async () => {
        calls.push("refresh");
        if (!cookieValid) throw new AuthenticationError("P: Refresh token not valid", { status: 400 });
        return { accessToken: "by-cookie", expiresAt: Date.now() - 1 };
      },
    });
    expect((await session.get()).value).toBe("Bearer by-cookie");
    cookieValid = false; // refused (no cookie after all): the password is the fallback
    expect((await session.get()).value).toBe("Bearer by-login");
    expect(calls).toEqual(["refresh", "refresh", "login"]);
  });

  it("refreshes in the background shortly before expiry while calls keep the working token", async () => {
    let refreshes = 0;
    const session = createTokenSession({
      portal: "P",
      store: memoryTokenStore({ accessToken: "soon", refreshToken: "r", expiresAt: Date.now() + 5_000 }),
      refreshAheadMs: 10_000, // stored tokens: their lifetime is unknown, so the whole window applies
      refresh: async () => {
        refreshes++;
        await new Promise((r) => setTimeout(r, 20));
        return { accessToken: "fresh", expiresAt: Date.now() + 60_000 };
      },
    });
    expect((await session.get()).value).toBe("Bearer soon");
    await new Promise((r) => setTimeout(r, 50));
    expect((await session.get()).value).toBe("Bearer fresh");
    expect(refreshes).toBe(1);
    expect(session.peek()?.refreshToken).toBe("r"); // kept: the server did not rotate it
  });

  it("after a 401, resends without refreshing again when another call already renewed the token", async () => {
    let refreshes = 0;
    const session = createTokenSession({
      portal: "P",
      store: memoryTokenStore({ accessToken: "a", refreshToken: "r" }),
      refresh: async () => ({ accessToken: `b${++refreshes}` }),
    });
    const stale = await session.get();
    expect(await session.refresh!(stale)).toBe(true);
    expect(await session.refresh!(stale)).toBe(true); // the same stale token: no second refresh
    expect(refreshes).toBe(1);
  });

  it("turns a failed refresh into one AuthenticationError that says how to log in", async () => {
    const session = createTokenSession({
      portal: "P",
      store: memoryTokenStore({ accessToken: "a", refreshToken: "r", expiresAt: 0 }),
      refresh: async () => {
        throw new Error("refresh token revoked");
      },
      howToLogin: "Pass `email` and `password`.",
    });
    const error: any = await Promise.resolve(session.get()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe(
      "P: the session could not be renewed (refresh token revoked). Pass `email` and `password`.",
    );
  });

  it("persists rotated tokens in a 0600 file store that a new session reads back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tokens-"));
    try {
      const path = join(dir, "sub", "tokens.json");
      const store = fileTokenStore(path);
      const session = createTokenSession({
        portal: "P",
        store,
        login: async () => ({ accessToken: "a1", refreshToken: "r1" }),
      });
      await session.get();
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, "sub")).mode & 0o777).toBe(0o700);
      expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ accessToken: "a1", refreshToken: "r1" });
      const again = createTokenSession({ portal: "P", store: fileTokenStore(path) });
      expect((await again.get()).value).toBe("Bearer a1");
      await again.logout();
      expect(() => statSync(path)).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("token files in a portal tool's format", () => {
  it("fileTokenStore text: the bare token, 0600, read back trimmed, removed on logout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tokens-"));
    try {
      const path = join(dir, "cfg", "token");
      const store = fileTokenStore(path, { format: "text" });
      await store.save({ accessToken: "tok-1", refreshToken: "not kept" });
      expect(readFileSync(path, "utf8")).toBe("tok-1");
      expect(statSync(path).mode & 0o777).toBe(0o600);
      writeFileSync(path, "tok-2\n"); // as another tool may leave it
      expect(store.load()).toEqual({ accessToken: "tok-2" });
      writeFileSync(path, "  \n");
      expect(store.load()).toBeUndefined();
      await store.save(undefined);
      expect(() => statSync(path)).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tokenStore "file" resolves the spec\'s tokenFile under HOME and tags the token with its scheme', async () => {
    const dir = mkdtempSync(join(tmpdir(), "home-"));
    try {
      const store = portalTokenFileStore(
        "P",
        { Other: {}, Pat: { tokenFile: "~/.config/p/token" } },
        { HOME: dir },
      );
      await store.save({ accessToken: "t" });
      expect(readFileSync(join(dir, ".config", "p", "token"), "utf8")).toBe("t");
      expect(store.load()).toEqual({ accessToken: "t", scheme: "Pat" });
      expect(() => portalTokenFileStore("P", { Pat: {} }, { HOME: dir })).toThrow(/names no token file/);
      expect(() => portalTokenFileStore("P", { Pat: { tokenFile: "~/t" } }, {})).toThrow(/no home directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A JWT-style portal: login, refresh with rotation (a used refresh token is refused), a private resource. */
async function jwtPortal(options: { accessTtlMs?: number; refreshedTtlMs?: number; cookie?: boolean } = {}) {
  let ttl = options.accessTtlMs ?? 60_000;
  const access = new Map<string, number>();
  const refresh = new Set<string>();
  let serial = 0;
  const stats = { logins: 0, refreshes: 0, refused: 0 };
  const issue = () => {
    const a = `access-${++serial}`;
    const r = `refresh-${serial}`;
    access.set(a, Date.now() + ttl);
    refresh.add(r);
    return { access: a, refresh: r, expires_in: ttl / 1000 };
  };
  const server = await startServer((req, res, _i, body) => {
    const url = req.url ?? "";
    if (url === "/login") {
      const { email, password } = JSON.parse(body || "{}");
      if (email !== "ada@example.org" || password !== "pw")
        return json(res, 400, { error: "Invalid credentials" });
      stats.logins++;
      const tokens = issue();
      if (options.cookie) {
        res.setHeader("set-cookie", `rt=${tokens.refresh}; HttpOnly; Path=/token; SameSite=Lax`);
        return json(res, 200, { token: tokens.access });
      }
      return json(res, 200, tokens);
    }
    if (url === "/token") {
      stats.refreshes++;
      if (options.refreshedTtlMs !== undefined) ttl = options.refreshedTtlMs;
      const given = options.cookie
        ? /rt=([^;]+)/.exec(req.headers.cookie ?? "")?.[1]
        : JSON.parse(body || "{}").refresh;
      if (!given || !refresh.delete(given)) {
        stats.refused++;
        return json(res, 401, { detail: "Token is invalid or expired" });
      }
      const tokens = issue();
      if (options.cookie) {
        res.setHeader("set-cookie", `rt=${tokens.refresh}; HttpOnly; Path=/token`);
        return json(res, 200, { token: tokens.access });
      }
      return json(res, 200, tokens);
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const expires = token ? access.get(token) : undefined;
    if (!expires || expires < Date.now()) return json(res, 401, { detail: "Token expired" });
    json(res, 200, { ok: true });
  });
  servers.push(server);
  return { server, stats, refreshTokens: refresh };
}

function definition(baseUrl: string, cookie = false): PortalDefinition {
  const login: OperationMeta = { id: "login", method: "POST", path: "/login", security: [] };
  const refresh: OperationMeta = cookie
    ? { id: "refreshToken", method: "GET", path: "/token", security: [["Cookie"]] }
    : { id: "refreshToken", method: "POST", path: "/token", security: [] };
  return {
    title: "Jwtportal",
    factory: "createJwtClient",
    baseUrl,
    schemes: {
      Jwt: {
        header: "Authorization",
        prefix: "Bearer ",
        session: cookie
          ? {
              login,
              refresh,
              refreshCredential: "cookie",
              accessToken: ["token", "access_token"],
              options: ["email", "password"],
              cookieScheme: "Cookie",
            }
          : {
              login,
              refresh,
              refreshCredential: "body",
              refreshTokenField: "refresh",
              accessToken: ["access"],
              refreshToken: ["refresh"],
              expiresIn: "expires_in",
              options: ["email", "password"],
            },
      },
      Cookie: { header: "Cookie", cookie: "rt" },
    },
    auth: sessionAuth,
    operations: {
      login,
      refreshToken: refresh,
      getPrivate: { id: "getPrivate", method: "GET", path: "/private", security: [["Jwt"]] },
    },
  };
}

type JwtClient = { getPrivate(input?: object): Promise<unknown>; auth: ClientAuth };
const client = (
  baseUrl: string,
  options: PortalClientOptions & Record<string, unknown> = {},
  cookie = false,
) =>
  createPortalClient(definition(baseUrl, cookie), {
    env: false,
    retry: { initialDelayMs: 5 },
    ...options,
  } as PortalClientOptions) as unknown as JwtClient;

describe("login sessions from the spec", () => {
  it("logs in lazily, and with an expired access token 50 concurrent calls cause exactly one refresh", async () => {
    // Tokens from a refresh live long, so that only the expiry of the first one is under test.
    const { server, stats } = await jwtPortal({ accessTtlMs: 300, refreshedTtlMs: 60_000 });
    const store = memoryTokenStore();
    const c = client(server.url, { email: "ada@example.org", password: "pw", tokenStore: store });
    await c.getPrivate();
    expect(stats.logins).toBe(1);
    await new Promise((r) => setTimeout(r, 350));
    const results = await Promise.all(Array.from({ length: 50 }, () => c.getPrivate()));
    expect(results).toHaveLength(50);
    expect(stats.refreshes).toBe(1);
    expect(stats.logins).toBe(1);
  });

  it("stores the rotated refresh token; the old one is refused by the portal", async () => {
    const { server, stats } = await jwtPortal({ accessTtlMs: 100 });
    const store = memoryTokenStore();
    const c = client(server.url, { email: "ada@example.org", password: "pw", tokenStore: store });
    await c.getPrivate();
    const first = store.load() as TokenSet;
    await new Promise((r) => setTimeout(r, 150));
    await c.getPrivate();
    const second = store.load() as TokenSet;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const replay = await fetch(`${server.url}/token`, {
      method: "POST",
      body: JSON.stringify({ refresh: first.refreshToken }),
    });
    expect(replay.status).toBe(401);
    expect(stats.refused).toBe(1);
  });

  it("refreshes on a 401 (a token revoked before its expiry) and resends once", async () => {
    const { server, stats } = await jwtPortal({ accessTtlMs: 60_000 });
    const store = memoryTokenStore({ accessToken: "revoked", refreshToken: "nope" });
    const c = client(server.url, { email: "ada@example.org", password: "pw", tokenStore: store });
    await expect(c.getPrivate()).rejects.toThrow(AuthenticationError);
    // The stored refresh token was unknown to the server: one refused refresh, one clear error, no loop.
    expect(stats.refreshes).toBe(1);
    expect(server.requests.filter((r) => r.url === "/private")).toHaveLength(1);
  });

  it("a failed refresh surfaces one AuthenticationError saying how to log in again", async () => {
    const { server } = await jwtPortal();
    const c = client(server.url, {
      tokenStore: memoryTokenStore({ accessToken: "x", refreshToken: "unknown", expiresAt: Date.now() - 1 }),
    });
    const error: any = await c.getPrivate().catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe(
      "Jwtportal: the session could not be renewed (Jwtportal: refreshToken failed with 401 Unauthorized: Token is invalid or expired. Check that the credential is valid and not expired.). Pass `email` and `password` to createJwtClient() or call client.auth.login().",
    );
  });

  it("without any credential, says which options log in, before sending", async () => {
    const { server } = await jwtPortal();
    const error: any = await client(server.url)
      .getPrivate()
      .catch((e) => e);
    expect(error).toBeInstanceOf(MissingCredentialsError);
    expect(error.message).toContain("Pass `email` and `password` to createJwtClient()");
    expect(server.requests).toHaveLength(0);
  });

  it("logs in explicitly and logs out", async () => {
    const { server } = await jwtPortal();
    const store = memoryTokenStore();
    const c = client(server.url, { tokenStore: store });
    await expect(c.auth.login({ email: "ada@example.org", password: "wrong" })).rejects.toThrow(
      "Invalid credentials",
    );
    await c.auth.login({ email: "ada@example.org", password: "pw" });
    await expect(c.getPrivate()).resolves.toEqual({ ok: true });
    await c.auth.logout();
    expect(store.load()).toBeUndefined();
    await expect(c.getPrivate()).rejects.toThrow(MissingCredentialsError);
  });

  it("in cookie mode, keeps the refresh cookie the server set and sends it only to refresh", async () => {
    const { server, stats } = await jwtPortal({ accessTtlMs: 150, cookie: true });
    const c = client(server.url, { email: "ada@example.org", password: "pw" }, true);
    await c.getPrivate();
    await new Promise((r) => setTimeout(r, 200));
    await c.getPrivate();
    expect(stats.refreshes).toBe(1);
    const refreshRequest = server.requests.find((r) => r.url === "/token")!;
    expect(refreshRequest.headers.cookie).toMatch(/^rt=refresh-1$/);
    expect(
      server.requests.filter((r) => r.url === "/private").every((r) => r.headers.cookie === undefined),
    ).toBe(true);
    // The rotated cookie is the one used next time.
    await new Promise((r) => setTimeout(r, 200));
    await c.getPrivate();
    expect(server.requests.filter((r) => r.url === "/token").at(-1)!.headers.cookie).toBe("rt=refresh-2");
  });
});

describe("device authorization", () => {
  async function devicePortal(answers: Record<string, unknown>[]) {
    let polls = 0;
    const server = await startServer((req, res) => {
      if (req.url === "/device") {
        return json(res, 200, {
          device_code: "dev-1",
          user_code: "ABCD-EFGH",
          verification_uri: "https://portal.example/activate",
          verification_uri_complete: "https://portal.example/activate?code=ABCD-EFGH",
          interval: 0.02,
          expires_in: 5,
        });
      }
      json(res, 200, answers[Math.min(polls++, answers.length - 1)]);
    });
    servers.push(server);
    const start: OperationMeta = { id: "startDevice", method: "POST", path: "/device", security: [] };
    const poll: OperationMeta = { id: "pollDevice", method: "POST", path: "/device/token", security: [] };
    const def: PortalDefinition = {
      title: "Deviceportal",
      factory: "createDeviceClient",
      baseUrl: server.url,
      schemes: {
        Pat: {
          header: "Authorization",
          prefix: "Bearer ",
          option: "token",
          deviceFlow: {
            start,
            poll,
            status: "status",
            pending: ["authorization_pending"],
            token: "token",
            error: "error",
          },
        },
      },
      auth: sessionAuth,
      operations: { start, poll, me: { id: "me", method: "GET", path: "/me", security: [["Pat"]] } },
    };
    return { server, def };
  }

  it("shows the code, polls while pending, then uses and stores the token", async () => {
    const { server, def } = await devicePortal([
      { status: "authorization_pending" },
      { status: "authorization_pending" },
      { status: "success", token: "pat-1" },
    ]);
    const store = memoryTokenStore();
    const c = createPortalClient(def, {
      env: false,
      tokenStore: store,
    } as PortalClientOptions) as unknown as { me(): Promise<unknown>; auth: ClientAuth };
    const prompts: string[] = [];
    await c.auth.deviceLogin({
      onPrompt: (p) => prompts.push(`${p.userCode} ${p.verificationUriComplete}`),
      body: { client_name: "sciportals" },
    });
    expect(prompts).toEqual(["ABCD-EFGH https://portal.example/activate?code=ABCD-EFGH"]);
    expect(server.requests.filter((r) => r.url === "/device/token")).toHaveLength(3);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ client_name: "sciportals" });
    await c.me();
    expect(server.requests.at(-1)!.headers.authorization).toBe("Bearer pat-1");
    expect(store.load()).toMatchObject({ accessToken: "pat-1", scheme: "Pat" });
    // A new client with the same store starts signed in.
    const again = createPortalClient(def, {
      env: false,
      tokenStore: store,
    } as PortalClientOptions) as unknown as { me(): Promise<unknown> };
    await again.me();
    expect(server.requests.at(-1)!.headers.authorization).toBe("Bearer pat-1");
  });

  it.each([
    ["access_denied", "device login failed: the request was denied in the browser"],
    ["expired_token", "device login failed: the code expired before it was approved; start again"],
  ])("reports %s clearly", async (code, message) => {
    const { def } = await devicePortal([{ status: "authorization_pending" }, { error: code }]);
    const c = createPortalClient(def, { env: false } as PortalClientOptions) as unknown as {
      auth: ClientAuth;
    };
    const error: any = await c.auth.deviceLogin({ onPrompt: () => {} }).catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe(`Deviceportal: ${message}`);
  });
});
