import { describe, expect, expectTypeOf, it } from "vitest";
import {
  createGenestackOdmClient,
  MissingCredentialsError,
  ValidationError,
  type GetJobOutputOutput,
  type SearchStudiesAsUserOutput,
} from "../src/index.js";

/** Records each request and answers with a fixed body, to check what the generated client sends. */
function recorder(
  body: unknown = { data: [], meta: { pagination: { count: 0, total: 0, offset: 0, limit: 10 } } },
) {
  const seen: Request[] = [];
  const fetch = async (request: Request) => {
    seen.push(request);
    return Response.json(body);
  };
  return { seen, fetch };
}

describe("the generated ODM client", () => {
  it("sends a Genestack API token in its own header", async () => {
    const { seen, fetch } = recorder();
    const odm = createGenestackOdmClient({ apiToken: "gs-token", env: false, fetch });
    await odm.getFilesMetadataAsUser({ query: { pageLimit: 10, pageOffset: 20 } });
    expect(seen[0]!.headers.get("genestack-api-token")).toBe("gs-token");
    expect(seen[0]!.headers.get("authorization")).toBeNull();
    expect(new URL(seen[0]!.url).search).toBe("?pageLimit=10&pageOffset=20");
  });

  it("sends an access token as a bearer token", async () => {
    const { seen, fetch } = recorder();
    await createGenestackOdmClient({ accessToken: "idp-token", env: false, fetch }).searchStudiesAsUser();
    expect(seen[0]!.headers.get("authorization")).toBe("Bearer idp-token");
  });

  it("says how to give a token when there is none, before sending", async () => {
    const { seen, fetch } = recorder();
    const error = await createGenestackOdmClient({ env: false, fetch })
      .getFilesMetadataAsUser()
      .catch((e) => e);
    expect(error).toBeInstanceOf(MissingCredentialsError);
    // The published definition lists the identity-provider token first; both are named.
    expect(error.message).toContain(
      "`accessToken` (or set GENESTACK_ACCESS_TOKEN), or `apiToken` (or set GENESTACK_API_TOKEN)",
    );
    expect(seen).toHaveLength(0);
  });

  it("enforces pageLimit 0..2000 before sending", async () => {
    const { seen, fetch } = recorder();
    const odm = createGenestackOdmClient({ apiToken: "t", env: false, fetch });
    await expect(odm.getFilesMetadataAsUser({ query: { pageLimit: 2001 } })).rejects.toThrow(ValidationError);
    await expect(odm.getFilesMetadataAsUser({ query: { pageLimit: 2001 } })).rejects.toThrow(
      '"pageLimit" must be between 0 and 2000 (got 2001)',
    );
    expect(seen).toHaveLength(0);
  });
});

describe("types from the published definition, curated", () => {
  it("types metadata objects as open maps with their accession, not as never", () => {
    type Study = SearchStudiesAsUserOutput["data"][number];
    expectTypeOf<Study["genestack:accession"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Study["Study Title"]>().toEqualTypeOf<unknown>();
    expectTypeOf<NonNullable<GetJobOutputOutput["result"]>["groupAccession"]>().toEqualTypeOf<unknown>();
  });
});
