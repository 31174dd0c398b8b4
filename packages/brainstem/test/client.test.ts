import { describe, expect, it } from "vitest";
import { createBrainstemClient, ValidationError } from "../src/index.js";

function recorder(body: unknown = { sessions: [] }) {
  const seen: Request[] = [];
  const fetch = async (request: Request) => {
    seen.push(request);
    return Response.json(body);
  };
  return { seen, fetch };
}

describe("the generated BrainSTEM client", () => {
  it("sends filters, sort and include in BrainSTEM's query syntax", async () => {
    const { seen, fetch } = recorder();
    const brainstem = createBrainstemClient({ token: "pat", env: false, fetch });
    await brainstem.listSessions({
      query: {
        filter: { "name.icontains": "mouse" },
        sort: ["-name"],
        include: ["projects"],
        limit: 50,
        offset: 100,
      },
    });
    const url = new URL(seen[0]!.url);
    expect(url.pathname).toBe("/api/private/stem/session/");
    expect(url.searchParams.get("filter{name.icontains}")).toBe("mouse");
    expect(url.searchParams.getAll("sort[]")).toEqual(["-name"]);
    expect(url.searchParams.getAll("include[]")).toEqual(["projects"]);
    expect(url.searchParams.get("limit")).toBe("50");
    expect(seen[0]!.headers.get("authorization")).toBe("Bearer pat");
  });

  it("sends no credentials to the public portal", async () => {
    const { seen, fetch } = recorder({ projects: [] });
    await createBrainstemClient({ token: "pat", env: false, fetch }).listPublicProjects();
    expect(new URL(seen[0]!.url).pathname).toBe("/api/public/stem/project/");
    expect(seen[0]!.headers.get("authorization")).toBeNull();
  });

  it("rejects limit over 100 and a malformed UUID before sending", async () => {
    const { seen, fetch } = recorder();
    const brainstem = createBrainstemClient({ token: "pat", env: false, fetch });
    await expect(brainstem.listSessions({ query: { limit: 101 } })).rejects.toThrow(
      '"limit" must be between 1 and 100 (got 101)',
    );
    await expect(brainstem.getSession({ path: { id: "not-a-uuid" } })).rejects.toThrow(ValidationError);
    expect(seen).toHaveLength(0);
  });
});
