// Issue 13, classes 10 and 12: secrets never appear in errors, even when the server echoes them;
// a base URL with user:password@ is refused without showing the password.
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  ConfigurationError,
  createPortalClient,
  sessionAuth,
  type ClientAuth,
  type OperationMeta,
  type PortalClientOptions,
  type PortalDefinition,
} from "../../src/index.js";
import { json, startServer, type TestServer } from "../helpers.js";
import { testClient, testDefinition } from "../portal.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** Every way an error or client can be shown: none may contain `secret`. */
function expectNowhere(secret: string, ...shown: unknown[]) {
  for (const value of shown) {
    const error = value as { message?: string; details?: unknown; stack?: string };
    const views = [inspect(value, { depth: 10 }), JSON.stringify(value) ?? "", String(value)];
    if (value instanceof Error)
      views.push(error.message ?? "", error.stack ?? "", JSON.stringify(error.details) ?? "");
    for (const view of views) expect(view).not.toContain(secret);
  }
}

describe("secrets the server echoes back", () => {
  it("an API key echoed in an error body is scrubbed from message, details, inspect and JSON", async () => {
    const key = "sk-live-7f3a9c2e1b";
    const server = await startServer((req, res) =>
      json(res, 400, {
        message: `invalid request for key ${req.headers["x-api-key"]}`,
        echo: {
          headers: { "x-api-key": req.headers["x-api-key"] },
          url: `/x?api_key=${encodeURIComponent(key)}`,
        },
      }),
    );
    servers.push(server);
    const client = testClient(server.url, { apiKey: key });
    const error = await client.createThing({ body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toContain("invalid request for key ***");
    expect((error as BadRequestError).details).toMatchObject({ echo: { headers: { "x-api-key": "***" } } });
    expectNowhere(key, error, client);
    expect(server.requests[0]!.headers["x-api-key"]).toBe(key); // it was sent, and only scrubbed from what we show
  });

  it("a token echoed in an HTML page's snippet, a waiter's lastResult and a path-based error body is scrubbed", async () => {
    const key = "pat_0123456789abcdef";
    const server = await startServer((req, res) => {
      if (req.url!.startsWith("/jobs/")) return json(res, 200, { info: { status: "FAILED", by: key } });
      if (req.url === "/public/p") return json(res, 403, { detail: `token ${key} may not` });
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<html><title>Login</title><input value="${key}"></html>`);
    });
    servers.push(server);
    const client = testClient(server.url, { apiKey: key });
    const html = await client.getThing({ path: { id: "T1" } }).catch((e: unknown) => e);
    expect(html).toMatchObject({ code: "html_response" });
    const waiter = await client.waitFor("jobStatus", { path: { id: "1" } }).catch((e: unknown) => e);
    expect(waiter).toMatchObject({ code: "failed_state" });
    const { error } = await (client as any).GET("/public/{id}", { params: { path: { id: "p" } } });
    expect(error).toEqual({ detail: "token *** may not" });
    expectNowhere(key, html, waiter, error);
  });

  it("a password and refresh token echoed by the portal never reach an error", async () => {
    const password = "correct horse battery";
    const refreshToken = "rt-9a8b7c6d5e";
    const login: OperationMeta = { id: "login", method: "POST", path: "/login", security: [] };
    const refresh: OperationMeta = { id: "refreshToken", method: "POST", path: "/token", security: [] };
    const definition: PortalDefinition = {
      title: "Jwtportal",
      factory: "createJwtClient",
      baseUrl: "",
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
    let logins = 0;
    const server = await startServer((req, res, _i, body) => {
      if (req.url === "/login") {
        logins++;
        if (logins === 1) return json(res, 200, { access: "access-1-abcdef", refresh: refreshToken });
        return json(res, 401, { error: `wrong password: ${JSON.parse(body).password}` });
      }
      if (req.url === "/token")
        return json(res, 401, { error: `refresh token ${JSON.parse(body).refresh} revoked` });
      json(res, 401, { detail: `token ${req.headers.authorization} expired` });
    });
    servers.push(server);
    const client = createPortalClient({ ...definition, baseUrl: server.url }, {
      email: "ada@example.org",
      password,
      env: false,
    } as PortalClientOptions) as unknown as { getPrivate(): Promise<unknown>; auth: ClientAuth };
    const refused = await client.getPrivate().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthenticationError);
    const relogin = await client.auth.login().catch((e: unknown) => e);
    expect(relogin).toBeInstanceOf(AuthenticationError);
    expect(server.requests.some((r) => r.body.includes(password))).toBe(true);
    for (const secret of [password, refreshToken, "access-1-abcdef"])
      expectNowhere(secret, refused, relogin, client);
  });
});

describe("credentials in the base URL", () => {
  it("user:password@ is a ConfigurationError that does not show the password, and nothing is sent", async () => {
    const server = await startServer((_req, res) => json(res, 200, {}));
    servers.push(server);
    const password = "hunter2-pass";
    const baseUrl = server.url.replace("http://", `http://ada:${password}@`);
    let error: unknown;
    try {
      createPortalClient(testDefinition(baseUrl), { env: false } as PortalClientOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).code).toBe("credentials_in_url");
    expectNowhere(password, error);
    expect(server.requests).toHaveLength(0);
  });

  it("from the environment variable too, and an unparseable one does not echo its password", () => {
    const definition = { ...testDefinition("https://example.org"), baseUrlEnv: "TEST_BASE_URL" };
    const fromEnv = (() => {
      try {
        createPortalClient(definition, {
          env: { TEST_BASE_URL: "https://u:env-secret-1@example.org/api" },
        } as PortalClientOptions);
      } catch (e) {
        return e;
      }
    })();
    expect(fromEnv).toBeInstanceOf(ConfigurationError);
    expectNowhere("env-secret-1", fromEnv);
    const broken = (() => {
      try {
        createPortalClient(definition, {
          baseUrl: "https://u:broken-secret@exa mple.org",
          env: false,
        } as PortalClientOptions);
      } catch (e) {
        return e;
      }
    })();
    expect(broken).toMatchObject({ code: "invalid_base_url" });
    expectNowhere("broken-secret", broken);
  });
});
