import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  AuthenticationError,
  ConfigurationError,
  ConnectionError,
  MissingCredentialsError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ValidationError,
  createPortalClient,
  type Credential,
  type PortalClientOptions,
} from "../src/index.js";
import { closedPort, json, startServer, type TestServer } from "./helpers.js";
import { testClient, testDefinition } from "./portal.js";

const fast = { retry: { initialDelayMs: 5, maxDelayMs: 20 } };
let servers: TestServer[] = [];
async function server(...args: Parameters<typeof startServer>) {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe("credentials", () => {
  it("sends the API key in its header to the portal's origin", async () => {
    const s = await server((_req, res) => json(res, 200, { ok: true }));
    await testClient(s.url).getThing({ path: { id: "A1" } });
    expect(s.requests[0]!.headers["x-api-key"]).toBe("secret-key-123");
  });

  it("sends none to an operation that needs none", async () => {
    const s = await server((_req, res) => json(res, 200, { ok: true }));
    await testClient(s.url).publicThing({ path: { id: "A1" } });
    expect(s.requests[0]!.headers["x-api-key"]).toBeUndefined();
  });

  it("reads the key from the environment when no option is given", async () => {
    const s = await server((_req, res) => json(res, 200, {}));
    const client = createPortalClient(testDefinition(s.url), { env: { TEST_API_KEY: "from-env" } }) as any;
    await client.getThing({ path: { id: "A1" } });
    expect(s.requests[0]!.headers["x-api-key"]).toBe("from-env");
  });

  it("fails before sending when a needed credential is missing, saying how to give it", async () => {
    const s = await server((_req, res) => json(res, 200, {}));
    const client = createPortalClient(testDefinition(s.url), { env: false }) as any;
    await expect(client.getThing({ path: { id: "A1" } })).rejects.toThrow(MissingCredentialsError);
    await expect(client.getThing({ path: { id: "A1" } })).rejects.toThrow(
      "Testportal: getThing needs a credential. Pass `apiKey` (or set TEST_API_KEY) to createTestClient(). Ask the test for one.",
    );
    expect(s.requests).toHaveLength(0);
  });

  it("refuses to send credentials over plain http to a remote host", () => {
    expect(() =>
      createPortalClient(testDefinition("http://portal.example.org"), {
        apiKey: "k",
        env: false,
      } as PortalClientOptions),
    ).toThrow(ConfigurationError);
    expect(() =>
      createPortalClient(testDefinition("http://portal.example.org"), {
        apiKey: "k",
        env: false,
      } as PortalClientOptions),
    ).toThrow(/https/);
  });

  it("drops credentials on a redirect to another origin, keeps them on the same one", async () => {
    const other = await server((_req, res) => json(res, 200, { where: "other" }));
    const s = await server((req, res) => {
      if (req.url === "/things/SAME") {
        res.writeHead(302, { location: "/things/MOVED" });
        return res.end();
      }
      if (req.url === "/things/AWAY") {
        res.writeHead(307, { location: `${other.url}/elsewhere` });
        return res.end();
      }
      json(res, 200, { where: "home" });
    });
    const client = testClient(s.url);
    await expect(client.getThing({ path: { id: "SAME" } })).resolves.toEqual({ where: "home" });
    expect(s.requests[1]!.headers["x-api-key"]).toBe("secret-key-123");
    await expect(client.getThing({ path: { id: "AWAY" } })).resolves.toEqual({ where: "other" });
    expect(other.requests[0]!.headers["x-api-key"]).toBeUndefined();
  });

  it("never prints the credential", () => {
    const client = testClient("https://portal.example.org");
    expect(JSON.stringify(client)).not.toContain("secret-key-123");
    expect(String((client as any)[Symbol.for("nodejs.util.inspect.custom")]())).not.toContain(
      "secret-key-123",
    );
  });
});

describe("retries", () => {
  it("retries a 5xx burst on GET and succeeds", async () => {
    const s = await server((_req, res, i) =>
      i < 2 ? json(res, 503, { error: "busy" }) : json(res, 200, { ok: 1 }),
    );
    await expect(testClient(s.url, fast).getThing({ path: { id: "A" } })).resolves.toEqual({ ok: 1 });
    expect(s.requests).toHaveLength(3);
  });

  it("gives up after maxRetries with a ServerError carrying the body", async () => {
    const s = await server((_req, res) => json(res, 502, { error: "bad gateway" }));
    const error = await testClient(s.url, fast)
      .getThing({ path: { id: "A" } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).toBe("Testportal: getThing failed with 502 Bad Gateway: bad gateway");
    expect(s.requests).toHaveLength(3);
  });

  it("waits as long as Retry-After (seconds) says", async () => {
    const s = await server((_req, res, i) =>
      i === 0 ? json(res, 429, {}, { "retry-after": "1" }) : json(res, 200, { ok: 1 }),
    );
    const started = Date.now();
    await testClient(s.url, fast).getThing({ path: { id: "A" } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(s.requests).toHaveLength(2);
  });

  it("honours Retry-After as an HTTP date", async () => {
    const s = await server((_req, res, i) =>
      i === 0
        ? json(res, 503, {}, { "retry-after": new Date(Date.now() + 1500).toUTCString() })
        : json(res, 200, {}),
    );
    const started = Date.now();
    await testClient(s.url, fast).getThing({ path: { id: "A" } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(s.requests).toHaveLength(2);
  });

  it("fails at once with a RateLimitError that carries the wait when Retry-After exceeds the maximum", async () => {
    const s = await server((_req, res) =>
      json(res, 429, { detail: "Rate limit exceeded" }, { "retry-after": "3600" }),
    );
    const started = Date.now();
    const error = await testClient(s.url, { retry: { maxRetryAfterMs: 5000 } })
      .getThing({ path: { id: "A" } })
      .catch((e) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(error.message).toContain("retry after 3600 s");
    expect(s.requests).toHaveLength(1);
  });

  it("never retries a POST that reached the server", async () => {
    const s = await server((_req, res) => json(res, 503, { error: "busy" }));
    await expect(testClient(s.url, fast).createThing({ body: { name: "x" } })).rejects.toThrow(ServerError);
    expect(s.requests).toHaveLength(1);
  });

  it("retries a POST the spec marks idempotent, resending its body", async () => {
    const s = await server((_req, res, i) => (i === 0 ? json(res, 500, {}) : json(res, 200, { ok: 1 })));
    await testClient(s.url, fast).searchThings({ body: { q: "brain" } });
    expect(s.requests.map((r) => r.body)).toEqual(['{"q":"brain"}', '{"q":"brain"}']);
  });

  it("retries network failures on GET and reports a ConnectionError when they persist", async () => {
    const port = await closedPort();
    const error = await testClient(`http://127.0.0.1:${port}`, fast)
      .getThing({ path: { id: "A" } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(/could not reach 127\.0\.0\.1:\d+ for getThing \(ECONNREFUSED\)/);
  });

  it("retries a connection reset on GET", async () => {
    const s = await server((req, res, i) => (i === 0 ? req.socket.destroy() : json(res, 200, { ok: 1 })));
    await expect(testClient(s.url, fast).getThing({ path: { id: "A" } })).resolves.toEqual({ ok: 1 });
  });
});

describe("timeouts and aborts", () => {
  it("times out a slow attempt, retries, and reports a TimeoutError", async () => {
    const s = await server(() => {
      /* never answers */
    });
    const error = await testClient(s.url, {
      ...fast,
      timeoutMs: 100,
      retry: { ...fast.retry, maxRetries: 1 },
    })
      .getThing({ path: { id: "A" } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toBe("Testportal: getThing got no response within 0.1 s");
    expect(s.requests).toHaveLength(2);
  });

  it("stops at once, retries included, when the caller aborts", async () => {
    const s = await server((_req, res) => json(res, 503, {}, { "retry-after": "30" }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await testClient(s.url)
      .getThing({ path: { id: "A" }, signal: controller.signal })
      .catch((e) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("a per-call timeout overrides the client's", async () => {
    const s = await server((_req, res) => setTimeout(() => json(res, 200, {}), 300));
    await expect(
      testClient(s.url, { timeoutMs: 50 }).getThing({ path: { id: "A" }, timeoutMs: 2000, maxRetries: 0 }),
    ).resolves.toEqual({});
  });
});

describe("refresh on 401", () => {
  function refreshingCredential() {
    let token = "old";
    let generation = 0;
    let refreshes = 0;
    const credential: Credential = {
      get: () => ({ header: "X-Api-Key", value: token, generation }),
      async refresh(applied) {
        if (applied.generation === generation) {
          refreshes++;
          generation++;
          token = "new";
        }
        return true;
      },
    };
    return { credential, count: () => refreshes };
  }

  it("refreshes once and resends once, even for a POST", async () => {
    const s = await server((req, res) =>
      req.headers["x-api-key"] === "new"
        ? json(res, 201, { created: true })
        : json(res, 401, { detail: "expired" }),
    );
    const { credential, count } = refreshingCredential();
    const client = testClient(s.url, { credentials: { key: credential } });
    await expect(client.createThing({ body: { a: 1 } })).resolves.toEqual({ created: true });
    expect(count()).toBe(1);
    expect(s.requests.map((r) => r.headers["x-api-key"])).toEqual(["old", "new"]);
    expect(s.requests[1]!.body).toBe('{"a":1}');
  });

  it("does not loop when the refreshed token is refused too", async () => {
    const s = await server((_req, res) => json(res, 401, { detail: "nope" }));
    const { credential, count } = refreshingCredential();
    const client = testClient(s.url, { credentials: { key: credential } });
    const error = await client.getThing({ path: { id: "A" } }).catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("Check that the credential is valid");
    expect(error.message).not.toContain("old");
    expect(count()).toBe(1);
    expect(s.requests).toHaveLength(2);
  });
});

describe("client-side rate limit", () => {
  it("holds requests back to stay within the budget", async () => {
    const s = await server((_req, res) => json(res, 200, {}));
    const client = testClient(s.url, { rateLimit: { limit: 2, intervalMs: 400 } });
    const started = Date.now();
    await Promise.all([1, 2, 3, 4].map(() => client.getThing({ path: { id: "A" } })));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(4000);
    expect(s.requests).toHaveLength(4);
  });
});

describe("query serialization", () => {
  it("sends csv, brackets and braces parameters as the spec says", async () => {
    const s = await server((_req, res) => json(res, 200, { items: [], total: 0 }));
    await testClient(s.url).listThings({
      query: {
        size: 5,
        tags: ["a", "b"],
        filter: { "name.icontains": "rat", "projects.id": "p1" },
        sort: ["-name", "id"],
      },
    });
    const url = new URL(s.requests[0]!.url, s.url);
    expect(url.searchParams.get("size")).toBe("5");
    expect(url.searchParams.get("tags")).toBe("a,b");
    expect(url.searchParams.get("filter{name.icontains}")).toBe("rat");
    expect(url.searchParams.get("filter{projects.id}")).toBe("p1");
    expect(url.searchParams.getAll("sort[]")).toEqual(["-name", "id"]);
  });

  it("sends an exploded form object as one parameter per key, and refuses a key that shadows another", async () => {
    const s = await server((_req, res) => json(res, 200, { items: [], total: 0 }));
    const client = testClient(s.url);
    await client.listThings({
      query: { page: 2, attributes: { tissue: "liver & kidney", strain: ["b6", "c57"], skipped: undefined } },
    });
    const url = new URL(s.requests[0]!.url, s.url);
    expect(url.searchParams.get("page")).toBe("2");
    expect(url.searchParams.get("tissue")).toBe("liver & kidney");
    expect(url.searchParams.getAll("strain")).toEqual(["b6", "c57"]);
    expect([...url.searchParams.keys()].sort()).toEqual(["page", "strain", "strain", "tissue"]);

    const shadowing = client.listThings({ query: { attributes: { page: "3" } } });
    await expect(shadowing).rejects.toBeInstanceOf(ValidationError);
    await expect(shadowing).rejects.toThrow(/query parameter "attributes" has the key "page"/);
    expect(s.requests).toHaveLength(1);
  });
});
