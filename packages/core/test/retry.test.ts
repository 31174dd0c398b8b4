import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  DEFAULT_RETRY,
  isIdempotentMethod,
  isRetryableStatus,
  parseRetryAfter,
} from "../src/index.js";
import { sleep } from "../src/retry.js";

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-23T12:00:00Z");
  it("reads seconds", () =>
    expect(parseRetryAfter(new Headers({ "retry-after": "120" }), now)).toBe(120_000));
  it("reads an HTTP date", () =>
    expect(parseRetryAfter(new Headers({ "retry-after": "Mon, 23 Nov 2026 12:00:30 GMT" }), now)).toBe(
      30_000,
    ));
  it("treats a date in the past as no wait", () =>
    expect(parseRetryAfter(new Headers({ "retry-after": "Mon, 23 Nov 2026 11:00:00 GMT" }), now)).toBe(0));
  it("prefers retry-after-ms", () =>
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "250", "retry-after": "9" }), now)).toBe(250));
  it("ignores garbage", () =>
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }), now)).toBeUndefined());
  it("is undefined without the header", () => expect(parseRetryAfter(new Headers(), now)).toBeUndefined());
});

describe("retry rules", () => {
  it("retries 408, 429 and 5xx but not 501, 505 or 4xx", () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 422, 501, 505].some(isRetryableStatus)).toBe(false);
  });

  it("knows the idempotent methods", () => {
    expect(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].every(isIdempotentMethod)).toBe(true);
    expect(["POST", "PATCH"].some(isIdempotentMethod)).toBe(false);
  });

  it("backs off exponentially with jitter, capped", () => {
    expect(backoffDelay(0, DEFAULT_RETRY, () => 0)).toBe(500);
    expect(backoffDelay(2, DEFAULT_RETRY, () => 0)).toBe(2000);
    expect(backoffDelay(2, DEFAULT_RETRY, () => 1)).toBe(1500);
    expect(backoffDelay(20, DEFAULT_RETRY, () => 0)).toBe(DEFAULT_RETRY.maxDelayMs);
  });

  it("sleep rejects as soon as its signal aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(new Error("stop")), 20);
    await expect(pending).rejects.toThrow("stop");
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
