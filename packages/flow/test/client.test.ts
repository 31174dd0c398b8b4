import { describe, expect, it } from "vitest";
import { createFlowClient, ValidationError } from "../src/index.js";

function recorder(body: unknown = { count: 0, page: 1, samples: [] }) {
  const seen: Request[] = [];
  const fetch = async (request: Request) => {
    seen.push(request);
    return Response.json(body);
  };
  return { seen, fetch };
}

describe("the generated Flow client", () => {
  it("defaults to app.flow.bio and pages with page and count", async () => {
    const { seen, fetch } = recorder();
    await createFlowClient({ env: false, fetch }).searchSamples({ query: { page: 2, count: 100 } });
    const url = new URL(seen[0]!.url);
    expect(url.origin + url.pathname).toBe("https://app.flow.bio/api/samples/search");
    expect(url.searchParams.get("page")).toBe("2");
    expect(url.searchParams.get("count")).toBe("100");
  });

  it("reads anonymously when no token is given, and sends one when it is", async () => {
    const { seen, fetch } = recorder();
    await createFlowClient({ env: false, fetch }).searchSamples();
    await createFlowClient({ token: "api-key", env: false, fetch }).searchSamples();
    expect(seen.map((r) => r.headers.get("authorization"))).toEqual([null, "Bearer api-key"]);
  });

  it("rejects count over 100 before sending", async () => {
    const { seen, fetch } = recorder();
    await expect(
      createFlowClient({ env: false, fetch }).searchSamples({ query: { count: 101 } }),
    ).rejects.toThrow(ValidationError);
    expect(seen).toHaveLength(0);
  });
});
