// Spec conformance: every operation of Genestack's published definition (specs/genestack-odm/
// upstream, read as published) is a method of this package, or is listed below as excluded with
// its reason; and each keeps the published operationId (normalised to camelCase) unless a rename
// below says why.
import { fileURLToPath } from "node:url";
import { loadSpec, operations, type JsonObject } from "@sciportals/codegen/spec";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import * as generated from "../src/generated/operations.gen.js";

const spec = (path: string) =>
  fileURLToPath(new URL(`../../../specs/genestack-odm/${path}`, import.meta.url));

/** Upstream operations left out, by `METHOD path`, and why. */
const EXCLUDED: Record<string, string> = {
  ...Object.fromEntries(
    [
      "GET /api/v1/scim/Users",
      "POST /api/v1/scim/Users",
      "GET /api/v1/scim/Users/{id}",
      "DELETE /api/v1/scim/Users/{id}",
      "PATCH /api/v1/scim/Users/{id}",
      "GET /api/v1/scim/Groups",
      "POST /api/v1/scim/Groups",
      "GET /api/v1/scim/Groups/{id}",
      "DELETE /api/v1/scim/Groups/{id}",
      "PATCH /api/v1/scim/Groups/{id}",
    ].map((route) => [
      route,
      "SCIM 2.0 user and group provisioning: run by an identity-provider connector for an administrator, not a data client",
    ]),
  ),
  "PATCH /api/v1/as-curator/variants/{id}":
    "upstream documents it only as `410 This endpoint is no longer supported`: a method could only fail",
};

/** Published operationIds renamed by the overlay, and why (the overlay's actions say the same). */
const RENAMED: Record<string, string> = {
  info: "getJobInfo", // `info` alone says nothing in a client of 240 methods
  output: "getJobOutput",
  stop: "stopJob",
  restart: "restartJob",
  create: "createXrefset",
  deleteFile: "deleteXrefset", // it deletes an xrefset, not an attached file
  searchEntries: "searchXrefsetEntries",
  searchEntriesWithinFile: "searchXrefsetEntriesWithinXrefset",
  getDetailsByAccession: "getXrefsetMetadata",
  upload: "uploadReferenceGenome", // `upload` is the client's own transfer method
};

/** Codegen's normalisation for the only non-camelCase ids upstream has (`search_reference_genomes`). */
const camelCase = (id: string) => id.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

interface Op {
  route: string;
  id: string;
}
const routesOf = (document: JsonObject): Op[] =>
  [...operations(document)].map(({ method, path, op }) => ({
    route: `${method.toUpperCase()} ${path}`,
    id: String(op.operationId),
  }));

const methods = (Object.values(generated) as unknown[]).filter(
  (value): value is { id: string; method: string; path: string } =>
    typeof value === "object" && value !== null && "method" in value && "path" in value,
);
const generatedRoutes = new Map(methods.map((m) => [`${m.method} ${m.path}`, m.id]));

describe("the ODM client against Genestack's published definition", () => {
  let upstream: Op[];
  beforeAll(async () => {
    upstream = routesOf((await loadSpec(spec("upstream/odmApi.yaml"))).document);
  });

  it("reads the whole published definition (244 operations)", () => {
    expect(upstream).toHaveLength(244);
  });

  it("generates every upstream operation in scope, or lists it as excluded with a reason", () => {
    const missing = upstream.filter((op) => !generatedRoutes.has(op.route) && !EXCLUDED[op.route]);
    expect(missing).toEqual([]);
    for (const [route, reason] of Object.entries(EXCLUDED)) {
      expect(
        upstream.map((op) => op.route),
        route,
      ).toContain(route);
      expect(generatedRoutes.has(route), `${route} is excluded but generated`).toBe(false);
      expect(reason.length).toBeGreaterThan(20);
    }
  });

  it("keeps the published operationIds, camelCased, except the renames listed with a reason", () => {
    const changed = upstream
      .filter((op) => generatedRoutes.has(op.route))
      .filter((op) => generatedRoutes.get(op.route) !== (RENAMED[op.id] ?? camelCase(op.id)))
      .map((op) => `${op.route}: ${op.id} -> ${generatedRoutes.get(op.route)}`);
    expect(changed).toEqual([]);
  });

  it("adds only documented operations the definition lacks, each with its provenance", async () => {
    const applied = (await loadSpec(spec("upstream/odmApi.yaml"), { overlay: spec("overlay.yaml") }))
      .document;
    const inUpstream = new Set(upstream.map((op) => op.route));
    const added = [...operations(applied)].filter(
      (site) => !inUpstream.has(`${site.method.toUpperCase()} ${site.path}`),
    );
    expect(added.map((site) => `${site.method.toUpperCase()} ${site.path}`).sort()).toEqual(
      [
        "GET /api/v1/as-user/files",
        "GET /api/v1/as-user/files/{id}",
        "GET /api/v1/as-user/files/{id}/download",
        "HEAD /api/v1/as-user/files/{id}/download",
        "GET /api/v1/as-user/integration/link/files/by/study/{id}",
        "POST /api/v1/jobs/import/cells",
        "POST /api/v1/jobs/import/file",
        ...[
          "samples",
          "libraries",
          "preparations",
          "cells",
          "expression",
          "variant",
          "flow-cytometry",
          "file",
        ].map((kind) => `POST /api/v1/jobs/import/${kind}/multipart`),
      ].sort(),
    );
    for (const site of operations(applied))
      expect(["public", "seed", "unverified"], site.pointer).toContain(site.op["x-sciportals-provenance"]);
    expect(methods).toHaveLength(upstream.length - Object.keys(EXCLUDED).length + added.length);
  });

  it("says why for every overlay action", () => {
    const overlay = parse(readFileSync(spec("overlay.yaml"), "utf8")) as {
      actions: { description?: string }[];
    };
    for (const action of overlay.actions)
      expect(action.description?.trim(), JSON.stringify(action).slice(0, 120)).toBeTruthy();
  });
});
