import { describe, expect, it } from "vitest";
import { camelCase, nameFromRoute, nameOperations } from "../src/naming.js";
import type { OperationSite } from "../src/spec/walk.js";

const site = (method: OperationSite["method"], path: string, operationId?: string): OperationSite => ({
  method,
  path,
  item: {},
  op: operationId === undefined ? {} : { operationId },
  pointer: "",
});

describe("camelCase", () => {
  it.each([
    ["listDatasets", "listDatasets"],
    ["getHTTPServer", "getHTTPServer"],
    ["ListContainers", "listContainers"],
    ["list_all_files", "listAllFiles"],
    ["files.list", "filesList"],
    ["Get gene by id", "getGeneById"],
    ["HTTPServer", "httpServer"],
    ["create-vector-store", "createVectorStore"],
    ["v2_reports", "v2Reports"],
    ["2fa_enable", "op2faEnable"],
  ])("%s -> %s", (id, name) => expect(camelCase(id)).toBe(name));
});

describe("nameOperations", () => {
  it("derives a name from method and path when there is no operationId", () => {
    expect(nameFromRoute("get", "/objects/{object_id}/access/{access_id}")).toBe(
      "getObjectsByObjectIdAccessByAccessId",
    );
  });

  it("resolves collisions in document order and reports each one", () => {
    const { names, report } = nameOperations([
      site("get", "/a", "get_file"),
      site("get", "/b", "getFile"),
      site("get", "/c", "GetFile"),
      site("post", "/d", "download"),
      site("delete", "/e", "delete"),
      site("put", "/f"),
    ]);
    expect(names.map((n) => n.name)).toEqual([
      "getFile",
      "getFile2",
      "getFile3",
      "downloadOperation",
      "deleteOperation",
      "putF",
    ]);
    expect(names[0]).toEqual({ name: "getFile", operationId: "get_file" });
    expect(report).toEqual({
      normalised: 2,
      derived: 1,
      notes: [
        'GET /b: "getFile" is taken by an earlier operation; named getFile2',
        'GET /c: "getFile" is taken by an earlier operation; named getFile3',
        'POST /d: "download" is reserved; named downloadOperation',
        'DELETE /e: "delete" is reserved; named deleteOperation',
      ],
    });
  });

  it("is stable: the same operations always get the same names", () => {
    const sites = [site("get", "/x", "x.y"), site("get", "/y", "x_y"), site("get", "/z")];
    expect(nameOperations(sites)).toEqual(nameOperations(sites));
  });
});
