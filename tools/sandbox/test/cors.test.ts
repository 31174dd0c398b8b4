// CORS as the sandboxes answer it (src/cors.ts), over raw HTTP: what a browser would be told. The
// browser itself is exercised in tools/browser.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  corsFrom,
  startFlowSandbox,
  startStomicsSandbox,
  type FlowSandbox,
  type StomicsSandbox,
} from "../src/index.js";

const APP = "http://127.0.0.1:5173";
let stomics: StomicsSandbox;
let flow: FlowSandbox;
let closed: StomicsSandbox;
beforeAll(async () => {
  [stomics, flow, closed] = await Promise.all([
    startStomicsSandbox({ datasets: 5, bigFileBytes: 4096, cors: { origins: [APP] } }),
    startFlowSandbox({ cors: { origins: [APP] } }),
    startStomicsSandbox({ datasets: 5, bigFileBytes: 4096, cors: false }),
  ]);
});
afterAll(() => Promise.all([stomics.close(), flow.close(), closed.close()]));

const preflight = (url: string, origin: string, method: string, headers: string) =>
  fetch(url, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": headers,
    },
  });

describe("sandbox CORS", () => {
  it("answers an allowed origin's preflight with its origin, credentials, methods and headers", async () => {
    const res = await preflight(`${stomics.url}/api/v1/datasets`, APP, "GET", "authorization");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-allow-methods")).toContain("PATCH");
    const allowed = res.headers.get("access-control-allow-headers")!.split(", ");
    expect(allowed).toEqual(
      expect.arrayContaining(["authorization", "genestack-api-token", "content-type", "range", "if-range"]),
    );
    expect(res.headers.get("vary")).toContain("Origin");
    // The preflight never reached the portal: nothing recorded, no 401 for the missing key.
    expect(stomics.requests.filter((r) => r.method === "OPTIONS")).toEqual([]);
  });

  it("refuses a preflight from another origin, or for a header no client sends, without CORS headers", async () => {
    for (const res of [
      await preflight(`${stomics.url}/api/v1/datasets`, "http://evil.example", "GET", "authorization"),
      await preflight(`${stomics.url}/api/v1/datasets`, APP, "GET", "authorization, x-unknown"),
      await preflight(`${stomics.url}/api/v1/datasets`, APP, "TRACE", ""),
    ]) {
      expect(res.status).toBe(403);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
    }
  });

  it("marks answers (errors and injected 429s too) for an allowed origin and exposes what clients read", async () => {
    stomics.faults.failNext(1, { status: 429, retryAfter: 1 });
    const limited = await fetch(`${stomics.url}/api/v1/datasets`, {
      headers: { origin: APP, authorization: `Bearer ${stomics.apiKey}` },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("access-control-allow-origin")).toBe(APP);
    const exposed = limited.headers.get("access-control-expose-headers")!.split(", ");
    expect(exposed).toEqual(
      expect.arrayContaining(["retry-after", "content-range", "etag", "content-length", "x-request-id"]),
    );
    const unauthorized = await fetch(`${stomics.url}/api/v1/datasets`, { headers: { origin: APP } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("access-control-allow-origin")).toBe(APP);
    const other = await fetch(`${stomics.url}/api/v1/datasets`, {
      headers: { origin: "http://evil.example" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("covers the pre-signed storage origin and every portal server", async () => {
    const res = await preflight(`${stomics.storage.url}/x`, APP, "GET", "range");
    expect(res.status).toBe(204);
    const login = await preflight(`${flow.url}/login`, APP, "POST", "content-type");
    expect(login.status).toBe(204);
    expect(login.headers.get("access-control-allow-credentials")).toBe("true");
  });

  it("is off unless configured: no CORS headers, and OPTIONS goes to the portal", async () => {
    const res = await preflight(`${closed.url}/api/v1/datasets`, APP, "GET", "authorization");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.status).not.toBe(204);
  });

  it("reads SANDBOX_CORS_ORIGINS when no option is given", () => {
    expect(corsFrom(undefined, { SANDBOX_CORS_ORIGINS: `${APP}, http://localhost:3000` })).toEqual({
      origins: [APP, "http://localhost:3000"],
    });
    expect(corsFrom(undefined, {})).toBeUndefined();
    expect(corsFrom(false, { SANDBOX_CORS_ORIGINS: APP })).toBeUndefined();
  });
});
