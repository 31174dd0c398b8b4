import { describe, expect, it } from "vitest";
import {
  ApiError,
  AuthenticationError,
  BadRequestError,
  errorFromResponse,
  NotFoundError,
  PortalError,
  RateLimitError,
  ServerError,
  summarizeErrorBody,
  UnprocessableEntityError,
} from "../src/index.js";

describe("summarizeErrorBody", () => {
  it.each([
    [
      { message: "bad thing", code: "E1" },
      { code: "E1", message: "bad thing" },
    ],
    [{ error: "No refresh token supplied" }, { code: undefined, message: "No refresh token supplied" }],
    [
      { error: { code: "invalid_sample", message: "Sample is invalid", details: {} } },
      { code: "invalid_sample", message: "Sample is invalid" },
    ],
    [{ detail: "Dataset not found" }, { code: undefined, message: "Dataset not found" }],
    [
      { detail: [{ loc: ["query", "per_page"], msg: "Input should be less than or equal to 100" }] },
      { code: undefined, message: "query.per_page: Input should be less than or equal to 100" },
    ],
    [
      { name: ["This field is required."], projects: ["Not a list."] },
      { code: undefined, message: "name: This field is required.; projects: Not a list." },
    ],
    [
      { error: { strandedness: ["This field is required."] } },
      { code: undefined, message: "strandedness: This field is required." },
    ],
    ["plain text failure", { message: "plain text failure" }],
  ])("reads %j", (body, expected) => {
    expect(summarizeErrorBody(body)).toEqual(expected);
  });

  it("reads S3-style XML and HTML pages without dumping them", () => {
    expect(
      summarizeErrorBody("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"),
    ).toEqual({
      code: "AccessDenied",
      message: "Request has expired",
    });
    const html = summarizeErrorBody(
      `<html><head><title>502 Bad Gateway</title></head><body>${"x".repeat(5000)}</body></html>`,
    );
    expect(html.message).toBe("502 Bad Gateway");
  });

  it("clips long messages", () => {
    expect(summarizeErrorBody({ message: "y".repeat(1000) }).message!.length).toBeLessThanOrEqual(301);
  });
});

describe("errorFromResponse", () => {
  const make = (status: number, headers: Record<string, string> = {}) =>
    new Response(null, { status, headers });

  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [404, NotFoundError],
    [422, UnprocessableEntityError],
    [429, RateLimitError],
    [503, ServerError],
    [418, ApiError],
  ])("maps %i to its class", (status, Class) => {
    const error = errorFromResponse(make(status), { detail: "x" }, { portal: "P", operationId: "op" });
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(PortalError);
    expect(error.status).toBe(status);
  });

  it("carries code, details, request id and retry-after, and says so in the message", () => {
    const body = { error: { code: "slow_down", message: "Too many requests" } };
    const error = errorFromResponse(make(429, { "x-request-id": "req-42" }), body, {
      portal: "STOmics",
      operationId: "listDatasets",
      retryAfterMs: 30_000,
    });
    expect(error.code).toBe("slow_down");
    expect(error.details).toEqual(body);
    expect(error.requestId).toBe("req-42");
    expect(error.retryAfterMs).toBe(30_000);
    expect(error.message).toBe(
      "STOmics: listDatasets failed with 429: Too many requests (retry after 30 s) [request id req-42]",
    );
  });

  it("redacts credentials in the URL it keeps", () => {
    const error = errorFromResponse(make(403), "<Error><Code>AccessDenied</Code></Error>", {
      url: "https://store.example/a.h5ad?X-Amz-Signature=abcdef&X-Amz-Credential=AKIA/x&part=1",
    });
    expect(error.url).not.toContain("abcdef");
    expect(error.url).not.toContain("AKIA");
    expect(error.url).toContain("part=1");
    expect(JSON.stringify(error)).not.toContain("abcdef");
  });
});
