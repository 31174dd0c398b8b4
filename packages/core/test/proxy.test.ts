// Proxies as researchers' tools use them: a forward proxy on loopback (CONNECT tunnels and
// absolute-URI forwarding, counting what passes) in front of target servers on other loopback
// ports. Targets are addressed as `localhost`, so NO_PROXY entries can name them.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { connect, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { noProxyMatcher, proxyRoute } from "../src/node/proxy-env.js";
import { closedPort } from "./helpers.js";
import { testClient } from "./portal.js";

const PROXY_VARS = ["http_proxy", "https_proxy", "all_proxy", "no_proxy"].flatMap((n) => [
  n,
  n.toUpperCase(),
]);

interface Proxy {
  url: string;
  /** "CONNECT host:port" or "GET http://…", in order. */
  log: string[];
  close(): void;
}

/** A forward proxy; with `auth`, it answers 407 to requests without that `user:password`. */
async function startProxy(auth?: string): Promise<Proxy> {
  const log: string[] = [];
  const expected = auth ? `Basic ${Buffer.from(auth).toString("base64")}` : undefined;
  const server = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    if (expected && req.headers["proxy-authorization"] !== expected) return void res.writeHead(407).end();
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    const upstream = httpRequest(req.url!, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
      // A cut upstream is a cut downstream, as in a real proxy: the client must see it to resume.
      answer.on("close", () => !answer.complete && res.destroy());
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  server.on("connect", (req: IncomingMessage, client, head: Buffer) => {
    log.push(`CONNECT ${req.url}`);
    if (expected && req.headers["proxy-authorization"] !== expected)
      return void client.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
    const [host, port] = req.url!.split(":");
    const upstream = connect(Number(port), host!, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await listen(server);
  return {
    url: `http://127.0.0.1:${port(server)}`,
    log,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

const listen = (server: Server) => new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const port = (server: Server) => (server.address() as AddressInfo).port;

const FILE = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7) & 0xff));

/**
 * The portal: a JSON call, a file whose first full answer is cut halfway (so a download must
 * resume with Range), and the chunk upload protocol, assembling what it receives.
 */
function portal(served: { ranges: string[]; chunks: Buffer[] }) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, "http://x");
    if (url.pathname.startsWith("/things/")) {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ id: url.pathname.slice(8), via: req.headers.host }));
    }
    if (url.pathname === "/files/5") {
      const range = req.headers.range;
      served.ranges.push(range ?? "none");
      const headers = { etag: '"v1"', "accept-ranges": "bytes" };
      if (!range) {
        res.writeHead(200, { ...headers, "content-length": FILE.length });
        res.write(FILE.subarray(0, FILE.length / 2));
        return void setTimeout(() => res.destroy(), 20);
      }
      const from = Number(/bytes=(\d+)-/.exec(range)![1]);
      res.writeHead(206, {
        ...headers,
        "content-length": FILE.length - from,
        "content-range": `bytes ${from}-${FILE.length - 1}/${FILE.length}`,
      });
      return void res.end(FILE.subarray(from));
    }
    if (url.pathname === "/upload") {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", async () => {
        const form = await new Response(Buffer.concat(parts), {
          headers: { "content-type": req.headers["content-type"]! },
        }).formData();
        served.chunks.push(Buffer.from(await (form.get("blob") as Blob).arrayBuffer()));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ id: "u1" }));
      });
      return;
    }
    res.writeHead(404).end();
  };
}

let dir: string;
let tls: { key: Buffer; cert: Buffer };
let closers: (() => void)[] = [];

beforeAll(() => {
  const certs = mkdtempSync(join(tmpdir(), "proxy-tls-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(certs, "k.pem"),
      "-out",
      join(certs, "c.pem"),
    ].concat(["-days", "1", "-subj", "/CN=localhost"]),
    { stdio: "ignore" },
  );
  tls = { key: readFileSync(join(certs, "k.pem")), cert: readFileSync(join(certs, "c.pem")) };
  rmSync(certs, { recursive: true, force: true });
});
afterAll(() => vi.unstubAllEnvs());

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "proxy-"));
  // The runner's own proxy settings must not decide these tests.
  for (const name of PROXY_VARS) vi.stubEnv(name, undefined);
  // The targets' certificate is self-signed, as an institution's inspecting proxy's may be.
  vi.stubEnv("NODE_TLS_REJECT_UNAUTHORIZED", "0");
});
afterEach(() => {
  for (const close of closers) close();
  closers = [];
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

async function target(secure: boolean) {
  const served = { ranges: [] as string[], chunks: [] as Buffer[] };
  const server = secure ? createTlsServer(tls, portal(served)) : createServer(portal(served));
  await listen(server);
  closers.push(() => {
    server.close();
    server.closeAllConnections();
  });
  return { base: `${secure ? "https" : "http"}://localhost:${port(server)}`, served };
}

async function proxy(auth?: string) {
  const started = await startProxy(auth);
  closers.push(started.close);
  return started;
}

const fast = { retry: { initialDelayMs: 1, maxDelayMs: 5 } };

/** An API call, a download cut once and resumed, and a three-chunk upload, through one client. */
async function exercise(
  client: ReturnType<typeof testClient>,
  served: { ranges: string[]; chunks: Buffer[] },
) {
  const thing = await client.getThing({ path: { id: "A1" } });
  const dest = join(dir, "f.bin");
  const result = await client.download("fileBytes", { path: { id: 5 } }, dest, fast);
  const upload = new Uint8Array(2500).fill(3);
  await client.upload("uploadFile", {}, upload, { filename: "u.bin" });
  expect(thing.data ?? thing).toMatchObject({ id: "A1" });
  expect(readFileSync(dest).equals(FILE)).toBe(true);
  expect(result.attempts).toBe(2);
  expect(served.ranges).toEqual(["none", `bytes=${FILE.length / 2}-`]);
  expect(Buffer.concat(served.chunks).equals(Buffer.from(upload))).toBe(true);
  expect(served.chunks).toHaveLength(3);
}

describe("proxies from the environment, as curl reads them", () => {
  it("sends an API call, a resumed download and a chunked upload through HTTPS_PROXY's tunnel", async () => {
    const { base, served } = await target(true);
    const via = await proxy();
    vi.stubEnv("HTTPS_PROXY", via.url);
    await exercise(testClient(base, fast), served);
    const authority = base.slice("https://".length);
    // 1 call, 2 download attempts, 3 chunks; undici may reuse its tunnel for the call.
    expect(via.log.filter((l) => l === `CONNECT ${authority}`).length).toBeGreaterThanOrEqual(6);
    expect(via.log.every((l) => l === `CONNECT ${authority}`)).toBe(true);
  });

  it("asks http_proxy by absolute URI for http URLs, and ignores HTTPS_PROXY for them", async () => {
    const { base, served } = await target(false);
    const via = await proxy();
    vi.stubEnv("http_proxy", via.url);
    vi.stubEnv("HTTPS_PROXY", `http://127.0.0.1:${await closedPort()}`);
    await exercise(testClient(base, fast), served);
    expect(via.log).toContain(`GET ${base}/things/A1`);
    expect(via.log.filter((l) => l.startsWith(`GET ${base}/files/5`))).toHaveLength(2);
    expect(via.log.filter((l) => l.startsWith(`POST ${base}/upload`))).toHaveLength(3);
  });

  it("bypasses the proxy for hosts NO_PROXY lists, and only at the listed port", async () => {
    const { base, served } = await target(true);
    const via = await proxy();
    vi.stubEnv("HTTPS_PROXY", via.url);
    vi.stubEnv("NO_PROXY", "example.org, .localhost,localhost");
    await exercise(testClient(base, fast), served);
    expect(via.log).toEqual([]);

    vi.stubEnv("NO_PROXY", "localhost:1");
    await testClient(base, fast).getThing({ path: { id: "B2" } });
    expect(via.log).toHaveLength(1);
  });

  it("proxy: false bypasses the environment's proxy", async () => {
    const { base, served } = await target(true);
    const via = await proxy();
    vi.stubEnv("HTTPS_PROXY", via.url);
    await exercise(testClient(base, { ...fast, proxy: false }), served);
    expect(via.log).toEqual([]);
  });

  it("an explicit proxy URL wins over the environment's", async () => {
    const { base, served } = await target(true);
    const via = await proxy();
    vi.stubEnv("HTTPS_PROXY", `http://127.0.0.1:${await closedPort()}`);
    vi.stubEnv("ALL_PROXY", `http://127.0.0.1:${await closedPort()}`);
    await exercise(testClient(base, { ...fast, proxy: via.url }), served);
    expect(via.log.length).toBeGreaterThanOrEqual(6);
  });

  it("a user-supplied fetch wins over the proxy for API calls", async () => {
    const { base } = await target(true);
    const via = await proxy();
    vi.stubEnv("HTTPS_PROXY", via.url);
    let calls = 0;
    const client = testClient(base, {
      ...fast,
      fetch: (request: Request, init?: RequestInit) => {
        calls++;
        return globalThis.fetch(request, init);
      },
    });
    await client.getThing({ path: { id: "C3" } });
    expect(calls).toBe(1);
    expect(via.log).toEqual([]);
  });
});

describe("proxy credentials", () => {
  it("are sent to the proxy, and never appear in an error", async () => {
    const { base, served } = await target(true);
    const via = await proxy("alice:s3cret-pass");
    await exercise(
      testClient(base, { ...fast, proxy: `http://alice:s3cret-pass@127.0.0.1:${via.url.split(":")[2]}` }),
      served,
    );
    expect(via.log.length).toBeGreaterThanOrEqual(6);

    const wrong = `http://alice:wr0ng-pass@127.0.0.1:${via.url.split(":")[2]}`;
    vi.stubEnv("HTTPS_PROXY", wrong);
    const client = testClient(base, { retry: { maxRetries: 0 } });
    const failures = [
      await client.getThing({ path: { id: "A1" } }).catch((e: unknown) => e),
      await client
        .download("fileBytes", { path: { id: 5 } }, join(dir, "g.bin"), { maxRetries: 0 })
        .catch((e: unknown) => e),
      await client
        .upload("uploadFile", {}, new Uint8Array(10), { filename: "u.bin", maxRetries: 0 })
        .catch((e: unknown) => e),
    ];
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(Error);
      const shown = `${inspect(failure, { depth: 8 })} ${JSON.stringify(failure)} ${String((failure as Error).stack)}`;
      expect(shown).not.toContain("wr0ng-pass");
      expect(shown).not.toContain(Buffer.from("alice:wr0ng-pass").toString("base64"));
    }
    expect(String((failures[1] as Error).cause ?? "")).toContain("407");
  });
});

describe("NO_PROXY matching", () => {
  const bypass = (list: string, url: string) => noProxyMatcher(list)(new URL(url));

  it("matches a name, its subdomains, a leading dot, ports, * and IP addresses as curl does", () => {
    expect(bypass("example.org", "https://example.org/")).toBe(true);
    expect(bypass("example.org", "https://data.example.org/")).toBe(true);
    expect(bypass(".example.org", "https://data.example.org/")).toBe(true);
    expect(bypass(".example.org", "https://example.org/")).toBe(true);
    expect(bypass("example.org", "https://badexample.org/")).toBe(false);
    expect(bypass("example.org:8443", "https://example.org/")).toBe(false);
    expect(bypass("example.org:8443", "https://example.org:8443/")).toBe(true);
    expect(bypass("example.org:443", "https://example.org/")).toBe(true);
    expect(bypass("*", "https://anything.test/")).toBe(true);
    expect(bypass("10.0.0.1", "http://10.0.0.1/")).toBe(true);
    expect(bypass("10.0.0.1", "http://10.0.0.12/")).toBe(false);
    expect(bypass("[::1]:8080", "http://[::1]:8080/")).toBe(true);
    expect(bypass("a.test b.test", "http://b.test/")).toBe(true);
  });

  it("does not treat loopback as special unless it is listed", () => {
    const route = proxyRoute(undefined, { HTTPS_PROXY: "proxy.test:3128" })!;
    expect(route(new URL("https://localhost/"))?.href).toBe("http://proxy.test:3128/");
    expect(route(new URL("https://127.0.0.1/"))?.href).toBe("http://proxy.test:3128/");
  });

  it("prefers the lower-case variable, and refuses a SOCKS proxy without showing it", () => {
    const route = proxyRoute(undefined, { https_proxy: "http://low.test", HTTPS_PROXY: "http://up.test" })!;
    expect(route(new URL("https://x.test/"))?.hostname).toBe("low.test");
    expect(proxyRoute(undefined, { NO_PROXY: "*" })).toBeUndefined();
    expect(() => proxyRoute(undefined, { ALL_PROXY: "socks5://u:hunter22@s.test" })).toThrow(
      /^(?!.*hunter22).*SOCKS/,
    );
  });
});
