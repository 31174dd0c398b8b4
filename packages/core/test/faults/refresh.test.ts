// Issue 13, class 9: a refused refresh fails once, for every call waiting on it and every later one.
import { afterEach, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  createPortalClient,
  memoryTokenStore,
  sessionAuth,
  type ClientAuth,
  type OperationMeta,
  type PortalClientOptions,
  type PortalDefinition,
} from "../../src/index.js";
import { json, startServer, type TestServer } from "../helpers.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

function definition(baseUrl: string): PortalDefinition {
  const login: OperationMeta = { id: "login", method: "POST", path: "/login", security: [] };
  const refresh: OperationMeta = { id: "refreshToken", method: "POST", path: "/token", security: [] };
  return {
    title: "Jwtportal",
    factory: "createJwtClient",
    baseUrl,
    schemes: {
      Jwt: {
        header: "Authorization",
        prefix: "Bearer ",
        session: {
          login,
          refresh,
          refreshCredential: "body",
          accessToken: ["access"],
          refreshToken: ["refresh"],
          options: ["email", "password"],
        },
      },
    },
    auth: sessionAuth,
    operations: {
      login,
      refreshToken: refresh,
      getPrivate: { id: "getPrivate", method: "GET", path: "/private", security: [["Jwt"]] },
    },
  };
}

type Client = { getPrivate(input?: object): Promise<unknown>; auth: ClientAuth };

describe("a refresh the portal refuses", () => {
  it("50 concurrent calls whose 401s spread over a second cause exactly one refresh request", async () => {
    const counts = { refresh: 0, private: 0, login: 0 };
    const server = await startServer((req, res) => {
      if (req.url === "/token") {
        counts.refresh++;
        return json(res, 400, { error: "invalid_grant" });
      }
      if (req.url === "/login") {
        counts.login++;
        return json(res, 200, { access: "fresh-access", refresh: "fresh-refresh" });
      }
      counts.private++;
      if (req.headers.authorization === "Bearer fresh-access") return json(res, 200, { ok: true });
      // The 401s arrive over a second, so most come after the refresh has already been refused.
      setTimeout(() => json(res, 401, { detail: "Token expired" }), Math.random() * 1000);
    });
    servers.push(server);
    const client = createPortalClient(definition(server.url), {
      tokenStore: memoryTokenStore({ accessToken: "stale-access", refreshToken: "revoked-refresh" }),
      env: false,
    } as PortalClientOptions) as unknown as Client;

    const results = await Promise.allSettled(Array.from({ length: 50 }, () => client.getPrivate()));
    expect(counts.refresh).toBe(1);
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    const errors = results.map((r) => (r as PromiseRejectedResult).reason);
    for (const error of errors) {
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.code).toBe("refresh_failed");
    }
    expect(counts.private).toBe(50); // each sent once: no resend after the refused refresh

    // A later call fails the same way without a request or another refresh.
    await expect(client.getPrivate()).rejects.toMatchObject({ code: "refresh_failed" });
    expect(counts.refresh).toBe(1);
    expect(counts.private).toBe(50);

    // Logging in again clears it.
    await client.auth.login({ email: "ada@example.org", password: "pw-123456" });
    await expect(client.getPrivate()).resolves.toEqual({ ok: true });
    expect(counts.refresh).toBe(1);
  });

  it("a server failure during refresh (503) is not remembered: the next call tries again", async () => {
    let refreshes = 0;
    const server = await startServer((req, res) => {
      if (req.url === "/token") {
        refreshes++;
        return refreshes === 1
          ? json(res, 503, { error: "down" })
          : json(res, 200, { access: "fresh-access", refresh: "r2" });
      }
      if (req.headers.authorization === "Bearer fresh-access") return json(res, 200, { ok: true });
      json(res, 401, { detail: "expired" });
    });
    servers.push(server);
    const client = createPortalClient(definition(server.url), {
      tokenStore: memoryTokenStore({ accessToken: "stale", refreshToken: "r1" }),
      retry: { maxRetries: 0 },
      env: false,
    } as PortalClientOptions) as unknown as Client;
    await expect(client.getPrivate()).rejects.toBeInstanceOf(AuthenticationError);
    await expect(client.getPrivate()).resolves.toEqual({ ok: true });
    expect(refreshes).toBe(2);
  });
});
