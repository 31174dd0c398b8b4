// Each portal package, bundled as a browser app bundles it (src/bundle.ts), run in headless
// Chromium from npm (src/chromium.ts) on its own origin (src/serve.ts), against the sandboxes with
// CORS for that origin: a typed call, a paginated walk, a 429 retried after its Retry-After, the
// portal's way of renewing a token, and a download into a Blob.
import type { IncomingMessage } from "node:http";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startBrainstemSandbox,
  startFlowSandbox,
  startOdmSandbox,
  startStomicsSandbox,
  type BrainstemSandbox,
  type FlowSandbox,
  type Listening,
  type OdmSandbox,
  type StomicsSandbox,
} from "@sciportals/sandbox";
import { createBrainstemClient } from "@sciportals/brainstem";
import { createFlowClient } from "@sciportals/flow";
import { APPS, bundleApps, type AppName, type Bundles } from "../src/bundle.js";
import { launchChromium } from "../src/chromium.js";
import { serveApps } from "../src/serve.js";

const ACCESS_TTL_MS = 1500;
const SLOW = 60_000;

let bundles: Bundles;
let app: Listening;
let crossSiteOrigin: string;
let browser: Browser;
let page: Page;
let stomics: StomicsSandbox;
let noCors: StomicsSandbox;
let odm: OdmSandbox;
let brainstem: BrainstemSandbox;
let flow: FlowSandbox;
const timings: Record<string, number> = {};

beforeAll(async () => {
  let t = Date.now();
  bundles = await bundleApps();
  timings.bundleMs = Date.now() - t;
  app = await serveApps(bundles.code);
  // The same server under another name: http://localhost:<port> is another site than 127.0.0.1.
  crossSiteOrigin = `http://localhost:${new URL(app.url).port}`;
  const cors = { origins: [app.url, crossSiteOrigin] };
  [stomics, noCors, odm, brainstem, flow] = await Promise.all([
    startStomicsSandbox({ datasets: 25, bigFileBytes: 300_000, cors }),
    startStomicsSandbox({ datasets: 3, bigFileBytes: 1000, cors: false }),
    startOdmSandbox({ bigFileBytes: 400_000, cors }),
    startBrainstemSandbox({ autoApprove: "alice", deviceIntervalSeconds: 0, cors }),
    startFlowSandbox({ bigFileBytes: 250_000, cors }),
  ]);
  t = Date.now();
  browser = await launchChromium();
  timings.launchMs = Date.now() - t;
  page = await browser.newPage();
  await page.goto(`${app.url}/`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([app, stomics, noCors, odm, brainstem, flow].map((s) => s?.close()));
  console.log(`browser check: bundles ${timings.bundleMs} ms, Chromium launch ${timings.launchMs} ms`);
});

/** Runs an export of an app's bundle in `on` (the page), with `config`; resolves with what it returns. */
function inPage<T = any>(name: AppName, config: unknown, fn = "run", on: Page = page): Promise<T> {
  // A string, not a function: the test runner would rewrite a dynamic import in this file.
  return on.evaluate(
    `import("/apps/${name}.js").then((m) => m.${fn}(${JSON.stringify(config)}))`,
  ) as Promise<T>;
}

const getTo = (path: string) => (req: IncomingMessage) => req.method === "GET" && !!req.url?.includes(path);

describe("portal packages in a browser", () => {
  it("bundle for the browser as an app bundles them: from dist, with no Node built-in", () => {
    for (const name of APPS) {
      const inputs = bundles.inputs[name];
      expect(inputs).toContain(`packages/${name}/dist/index.mjs`);
      expect(inputs.some((i) => i.startsWith("packages/core/dist/"))).toBe(true);
      expect(inputs.filter((i) => i.startsWith("node:") || i.includes("undici"))).toEqual([]);
    }
  });

  it("Chromium enforces CORS: a portal that does not allow the page's origin cannot be called", async () => {
    const result = await page.evaluate(async (url: string) => {
      try {
        await fetch(`${url}/api/v1/datasets`, { headers: { authorization: "Bearer x" } });
        return "answered";
      } catch (error) {
        return (error as Error).name;
      }
    }, noCors.url);
    expect(result).toBe("TypeError");
  });

  it(
    "STOmics: typed call, paginated walk, a 429 after its Retry-After, a token provider, a pre-signed download",
    async () => {
      const [first, limited] = [stomics.catalog[0]!, stomics.catalog[1]!];
      const file = first.files[0]!;
      stomics.faults.failNext(1, {
        status: 429,
        retryAfter: 1,
        match: getTo(`/datasets/${limited.accession}`),
      });
      const report = await inPage("stomics", {
        baseUrl: stomics.url,
        apiKey: stomics.apiKey,
        accession: first.accession,
        limitedAccession: limited.accession,
        fileId: file.id,
      });
      expect(report.typed).toBe(first.accession);
      expect(report.providerRefreshes).toBe(1); // the stale key got a 401, the provider renewed it
      expect(stomics.requests.filter((r) => r.path.endsWith(first.accession)).map((r) => r.status)).toEqual([
        401, 200,
      ]);
      expect(report.accessions).toEqual(stomics.catalog.map((d) => d.accession));
      expect(report.limited).toBe(limited.accession);
      // The wait is the Retry-After the page could read (exposed by CORS), not the 5 ms backoff.
      expect(report.retries).toEqual([{ status: 429, waitMs: expect.any(Number) }]);
      expect(report.retries[0].waitMs).toBeGreaterThanOrEqual(1000);
      expect(report.file.size).toBe(file.servedSize);
      expect(report.file.sha256).toBe(stomics.fileContent(file.id).sha256());
      // The pre-signed storage origin got the file request without the API key.
      expect(stomics.storage.requests.map((r) => [r.status, r.hasAuthorization])).toEqual([[200, false]]);
      expect(stomics.violations).toEqual([]);
    },
    SLOW,
  );

  it(
    "Genestack ODM: typed call, offset paging with a 429, an IdP token provider, a download with Genestack-API-Token",
    async () => {
      const study = odm.catalog.studies[0]!.accession;
      odm.faults.failNext(1, { status: 429, retryAfter: 1, match: getTo("/as-user/samples") });
      const report = await inPage("genestack-odm", {
        baseUrl: odm.url,
        accessToken: odm.accessToken,
        apiToken: odm.apiToken,
        study,
        file: odm.catalog.bigFile,
      });
      expect(report.typed).toBe(2);
      expect(report.providerRefreshes).toBe(1);
      expect([...report.accessions].sort()).toEqual(odm.catalog.samples.map((s) => s.accession).sort());
      expect(report.retries).toEqual([{ status: 429, waitMs: expect.any(Number) }]);
      expect(report.retries[0].waitMs).toBeGreaterThanOrEqual(1000);
      expect(report.file.sha256).toBe(odm.fileContent(odm.catalog.bigFile).sha256());
      const fileRequest = odm.requests.find((r) =>
        r.path.endsWith(`/files/${odm.catalog.bigFile}/download`),
      )!;
      expect(fileRequest.headerNames).toContain("genestack-api-token");
      expect(odm.violations).toEqual([]);
    },
    SLOW,
  );

  it(
    "BrainSTEM: the device flow, typed call, limit/offset paging with a 429, and a clear refusal to download",
    async () => {
      brainstem.faults.failNext(1, { status: 429, retryAfter: 1, match: getTo("/api/public/") });
      const report = await inPage("brainstem", { baseUrl: brainstem.url });
      expect(report.prompted).toContain(brainstem.url);
      expect(report.typed).toBeGreaterThan(0);
      // The same walk from Node, for comparison: the page saw every public project once.
      const node = createBrainstemClient({
        baseUrl: brainstem.url,
        token: brainstem.users.alice.token,
        env: false,
      });
      const expected = (await node.paginate("listPublicProjects", { query: { limit: 7 } }).toArray()).map(
        (p) => String(p.name),
      );
      expect(expected.length).toBeGreaterThan(14);
      expect(report.names).toEqual(expected);
      expect(report.retries).toEqual([{ status: 429, waitMs: expect.any(Number) }]);
      expect(report.retries[0].waitMs).toBeGreaterThanOrEqual(1000);
      expect(report.refused).toEqual({
        name: "ValidationError",
        message: "BrainSTEM: listProjects is not a download operation. Downloads: none.",
      });
    },
    SLOW,
  );

  it(
    "Flow: login, typed call, page/count paging with a 429, a refresh with the browser's HttpOnly cookie, a download",
    async () => {
      const dataId = flow.fixtures.bigData;
      const filename = flow.store.data.get(dataId)!.filename;
      flow.setAccessTokenTtl(ACCESS_TTL_MS);
      flow.faults.failNext(1, { status: 429, retryAfter: 1, match: getTo("/samples/search") });
      const before = { ...flow.stats };
      const report = await inPage("flow", {
        baseUrl: flow.url,
        username: flow.username,
        password: flow.password,
        accessTtlMs: ACCESS_TTL_MS,
        dataId,
        filename,
      });
      expect(report.typed).toBe(flow.username);
      expect(report.refreshedAs).toBe(flow.username);
      // One login, then refreshes (ahead of expiry, and once expired) from the cookie the browser
      // kept: the password was not sent again.
      expect(flow.stats.logins - before.logins).toBe(1);
      expect(flow.stats.refreshes - before.refreshes).toBeGreaterThanOrEqual(1);
      expect(flow.stats.refreshFailures - before.refreshFailures).toBe(0);
      // HttpOnly: the page's scripts never see the refresh token.
      expect(report.cookieVisible).not.toContain("flow_refresh_token");
      const node = createFlowClient({ baseUrl: flow.url, token: flow.apiKey, env: false });
      const expected = (await node.paginate("searchSamples", { query: { count: 5 } }).toArray()).map((s) =>
        String(s.name),
      );
      expect(expected.length).toBeGreaterThan(5);
      expect(report.names).toEqual(expected);
      expect(report.retries).toEqual([{ status: 429, waitMs: expect.any(Number) }]);
      expect(report.retries[0].waitMs).toBeGreaterThanOrEqual(1000);
      expect(report.file.size).toBe(flow.store.data.get(dataId)!.size);
      expect(report.file.sha256).toBe(await flow.dataSha256(dataId));
      expect(flow.violations).toEqual([]);
    },
    SLOW,
  );

  it(
    "Flow from another site: the SameSite=Lax refresh cookie is not kept, so the refresh fails and the client logs in again",
    async () => {
      flow.setAccessTokenTtl(ACCESS_TTL_MS);
      const other = await browser.newPage();
      try {
        await other.goto(`${crossSiteOrigin}/`);
        const before = { ...flow.stats };
        const username = await inPage(
          "flow",
          { baseUrl: flow.url, username: flow.username, password: flow.password, accessTtlMs: ACCESS_TTL_MS },
          "session",
          other,
        );
        expect(username).toBe(flow.username);
        expect(flow.stats.refreshes - before.refreshes).toBe(0);
        expect(flow.stats.refreshFailures - before.refreshFailures).toBe(1); // "No refresh token supplied"
        expect(flow.stats.logins - before.logins).toBe(2);
      } finally {
        await other.close();
      }
    },
    SLOW,
  );
});
