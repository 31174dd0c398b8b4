import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startStomicsSandbox, type StomicsSandbox } from "@sciportals/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, tempHome } from "./run.js";

// `--verbose` wraps the client's fetch to log each request; a fetch handed to a client replaces
// its proxy handling, so the wrapper must send through core's proxy-aware fetch, or a user behind
// HTTPS_PROXY (an HPC login node) would lose the network by asking for a log.
describe("--verbose behind a proxy", () => {
  let sandbox: StomicsSandbox;
  let proxy: Server;
  let proxyUrl: string;
  const seen: string[] = [];

  beforeAll(async () => {
    sandbox = await startStomicsSandbox();
    // A forward proxy for http URLs (absolute-URI requests), with a user name and password.
    proxy = createServer((req, res) => {
      if (req.headers["proxy-authorization"] !== `Basic ${Buffer.from("lab:pr0xy-pass").toString("base64")}`)
        return void res.writeHead(407).end();
      seen.push(`${req.method} ${req.url}`);
      const headers = { ...req.headers };
      delete headers["proxy-authorization"];
      const upstream = httpRequest(req.url!, { method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    proxyUrl = `http://lab:pr0xy-pass@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    proxy.close();
    await sandbox.close();
  });

  it("logs each request and still sends it through HTTP_PROXY, never printing the proxy's password", async () => {
    const result = await run(
      ["stomics", "list-datasets", "--per-page", "2", "--output", "json", "--verbose"],
      {
        ...tempHome(),
        STOMICS_BASE_URL: sandbox.url,
        STOMICS_API_KEY: sandbox.apiKey,
        HTTP_PROXY: proxyUrl,
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain("> GET ");
    expect(seen.some((line) => line.startsWith(`GET ${sandbox.url}/api/v1/datasets`))).toBe(true);
    expect(`${result.stdout}${result.stderr}`).not.toContain("pr0xy-pass");
  });
});
