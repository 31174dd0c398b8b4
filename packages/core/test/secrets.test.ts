import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { createSecretRegistry, scrubError } from "../src/secrets.js";
import { redactSnippet } from "../src/redact.js";
import { AuthenticationError, BadRequestError } from "../src/errors.js";

describe("the secret registry", () => {
  it("scrubs each secret and its URL-encoded form, longest first, and ignores short values", () => {
    const secrets = createSecretRegistry();
    secrets.add("abc"); // too short to scrub without garbling messages
    secrets.add("tok/en+1==");
    secrets.add("tok/en+1==-longer");
    expect(secrets.scrub("a tok/en+1==-longer b tok%2Fen%2B1%3D%3D c abc")).toBe("a *** b *** c abc");
    expect(secrets.scrubValue({ nested: ["x tok/en+1=="], n: 1 })).toEqual({ nested: ["x ***"], n: 1 });
  });

  it("scrubs an error's message, stack, fields and cause chain in place", () => {
    const secrets = createSecretRegistry();
    secrets.add("s3cr3t-value");
    const cause = new BadRequestError("refresh s3cr3t-value refused", {
      status: 400,
      details: { echo: "s3cr3t-value" },
    });
    const error = new AuthenticationError("renewal failed: refresh s3cr3t-value refused", {
      status: 400,
      cause,
      url: "https://p.example/x?q=s3cr3t-value",
    });
    expect(scrubError(error, secrets)).toBe(error);
    for (const view of [inspect(error, { depth: 5 }), JSON.stringify(error), error.stack ?? ""])
      expect(view).not.toContain("s3cr3t-value");
    expect(error.message).toBe("renewal failed: refresh *** refused");
    expect(Object.keys(error)).not.toContain("message"); // still not enumerable, as for any Error
  });
});

describe("redactSnippet", () => {
  it("collapses whitespace, clips, and hides values after secret-looking names", () => {
    expect(redactSnippet('{"access_token": "eyJabc.def", "user": "ada"}')).toBe(
      '{"access_token": "***", "user": "ada"}',
    );
    expect(redactSnippet("password=hunter2&x=1 Authorization: Bearer abc.def")).toBe(
      "password=***&x=1 Authorization: ***",
    );
    expect(redactSnippet("a\n\n  b" + "x".repeat(300), 10)).toBe("a bxxxxxxx…");
  });
});
