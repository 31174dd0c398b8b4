import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { JsonObject } from "@sciportals/codegen/spec";
import { describe, expect, it } from "vitest";
import { ACTIONS } from "../src/brainstem/actions.js";
import { BRAINSTEM_SPEC_PATH, buildBrainstemSpec, renderBrainstemSpec } from "../src/brainstem/build.js";
import { MODELS } from "../src/brainstem/models.js";
import { RANGE_OPS, STRING_OPS } from "../src/brainstem/query.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const { doc, models, operationCount } = buildBrainstemSpec();
const paths = doc.paths as Record<string, Record<string, JsonObject>>;
const schemas = (doc.components as Record<string, Record<string, JsonObject>>).schemas!;

/** The operationId at `method path`, or undefined. */
const opId = (path: string, method: string): unknown => paths[path]?.[method]?.operationId;

describe("the BrainSTEM builder", () => {
  it("reproduces the committed spec byte for byte (else run `npm run spec:build`)", () => {
    const committed = readFileSync(`${root}/${BRAINSTEM_SPEC_PATH}`, "utf8");
    expect(
      renderBrainstemSpec(doc) === committed,
      `${BRAINSTEM_SPEC_PATH} is stale: run npm run spec:build`,
    ).toBe(true);
  });

  it("counts the operations PROVENANCE.md lists", () => {
    expect(operationCount).toBe(475);
  });

  it("has no password login: only the personal access token and the device flow (docs 9e93dec)", () => {
    const ids = Object.values(paths).flatMap((item) =>
      Object.values(item).map((o) => (o as JsonObject).operationId),
    );
    for (const gone of ["login", "refreshToken", "obtainLegacyToken"]) expect(ids).not.toContain(gone);
    expect(paths["/api/auth/token/"]).toBeUndefined();
    const schemes = (doc.components as Record<string, JsonObject>).securitySchemes!;
    expect(Object.keys(schemes)).toEqual(["PersonalAccessToken"]);
    const credential = (schemes.PersonalAccessToken as JsonObject)["x-sciportals-credential"] as JsonObject;
    expect(credential.tokenFile).toBe("~/.config/brainstem/token");
    expect(doc.security).toEqual([{ PersonalAccessToken: [] }]);
  });

  it("serves the Python client's underscored URLs as deprecated aliases with names of their own", () => {
    const py = models.filter((m) => m.pyModel);
    expect(py.map((m) => m.pyModel)).toEqual([
      "project_membership_invitation",
      "project_group_membership_invitation",
      "group_membership_invitation",
      "group_membership_request",
    ]);
    for (const m of py) {
      const canonical = `/api/private/${m.app}/${m.model}/`;
      const alias = `/api/private/${m.app}/${m.pyModel}/`;
      expect(opId(alias, "get")).toBe(`${String(opId(canonical, "get"))}Underscored`);
      expect(paths[alias]!.get!.deprecated).toBe(true);
      expect(paths[canonical]!.get!.deprecated).toBeUndefined();
      expect(opId(`${alias}{id}/accept/`, "get")).toBe(`accept${m.name}Underscored`);
      expect(String(paths[alias]!.get!.description)).toContain("_MODEL_TO_APP");
    }
  });

  it("models the super portal read-only, with a token, as unverified", () => {
    for (const m of models) {
      const list = paths[`/api/super/${m.app}/${m.model}/`]!.get!;
      expect(list.operationId).toBe(`listSuper${m.plural}`);
      expect(list["x-sciportals-provenance"]).toBe("unverified");
      expect(list.security).toBeUndefined(); // the root security: the token
      expect(Object.keys(paths[`/api/super/${m.app}/${m.model}/{id}/`]!)).toEqual(["parameters", "get"]);
    }
  });

  it("gives every CRUD model private list/get/create/update/replace/delete and public list/get as the table says", () => {
    for (const spec of MODELS.filter((s) => (s.kind ?? "crud") === "crud")) {
      const priv = `/api/private/${spec.app}/${spec.model}/`;
      expect(opId(priv, "get")).toBe(`list${spec.plural}`);
      expect(opId(priv, "post")).toBe(spec.noCreate ? undefined : `create${spec.name}`);
      expect(opId(`${priv}{id}/`, "get")).toBe(`get${spec.name}`);
      expect(opId(`${priv}{id}/`, "patch")).toBe(`update${spec.name}`);
      expect(opId(`${priv}{id}/`, "put")).toBe(`replace${spec.name}`);
      expect(opId(`${priv}{id}/`, "delete")).toBe(`delete${spec.name}`);
      const pub = `/api/public/${spec.app}/${spec.model}/`;
      const isPublic = spec.public ?? true;
      expect(opId(pub, "get")).toBe(isPublic ? `listPublic${spec.plural}` : undefined);
      expect(opId(`${pub}{id}/`, "get")).toBe(isPublic ? `getPublic${spec.name}` : undefined);
    }
    // users register on the website: the one model without create
    expect(MODELS.filter((s) => s.noCreate).map((s) => s.model)).toEqual(["user"]);
  });

  it("gives invitations and approval queues no writes, and each action the method of the ACTIONS table", () => {
    for (const m of models.filter((m) => m.kind !== "crud")) {
      const priv = `/api/private/${m.app}/${m.model}/`;
      expect(Object.keys(paths[priv] ?? {})).toEqual(["get"]);
      expect(Object.keys(paths[`${priv}{id}/`] ?? {})).toEqual(["parameters", "get"]);
      expect(paths[`/api/public/${m.app}/${m.model}/`]).toBeUndefined();
      for (const key of m.actions) {
        const { segment, method } = ACTIONS[key];
        expect(Object.keys(paths[`${priv}{id}/${segment}/`] ?? {})).toEqual(["parameters", method]);
      }
    }
    expect(ACTIONS.accept.method).toBe("get");
    expect(ACTIONS.accept_approval.method).toBe("patch");
    expect(paths["/api/private/resources/consumableapproval/{id}/accept/"]?.patch?.operationId).toBe(
      "acceptConsumableApproval",
    );
  });

  it("filters text fields by the string lookups, numbers and dates by ranges, relations by id", () => {
    const filter = schemas.SessionFilter!.properties as JsonObject;
    for (const key of ["name", ...STRING_OPS.map((op) => `name.${op}`)])
      expect(filter[key]).toEqual({ type: "string" });
    for (const op of RANGE_OPS)
      expect(filter[`date_time.${op}`]).toEqual({ type: "string", format: "date-time" });
    expect(filter["projects.id"]).toEqual({ type: "string", format: "uuid" });
    expect(filter["extra_fields"]).toBeUndefined(); // maps and JSON are not filterable
    // Suggested keys, not the only ones: dynamic-rest takes any `field.lookup` with a string value.
    expect(schemas.SessionFilter!.additionalProperties).toEqual({ type: "string" });

    const breeding = schemas.BreedingFilter!.properties as JsonObject;
    for (const op of RANGE_OPS)
      expect(breeding[`litter_size.${op}`]).toEqual({ type: "string", pattern: "^-?[0-9]+$" });
  });

  it("keeps read-only fields out of write bodies and create-only fields out of PATCH", () => {
    const input = schemas.SubjectLogInput!.properties as JsonObject;
    const patch = schemas.SubjectLogPatch!.properties as JsonObject;
    expect(Object.keys(input)).toEqual(["type", "description", "subject"]);
    expect(Object.keys(patch)).toEqual(["description", "subject"]);
    expect(schemas.SubjectLogInput!.required).toEqual(["type", "subject"]);
  });
});
