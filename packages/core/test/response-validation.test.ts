import { afterEach, describe, expect, it, vi } from "vitest";
import {
  callOperation,
  ConfigurationError,
  createPortalBase,
  createPortalClient,
  ResponseValidationError,
  type Logger,
  type PortalClientOptions,
  type PortalDefinition,
  type ResponseSchemaModule,
} from "../src/index.js";
import { responseChecker } from "../src/schema-check.js";
import { json, startServer, type TestServer } from "./helpers.js";
import { ops, testDefinition, type TestClient } from "./portal.js";

// The schemas codegen would emit for the test portal's getThing and listThings.
const schemas = {
  $defs: {
    Thing: {
      type: "object",
      required: ["id", "name"],
      properties: {
        id: { type: "string" },
        name: { type: "string" },
        size: { type: ["integer", "null"], minimum: 0 },
        kind: { enum: ["a", "b"] },
      },
    },
  },
  operations: {
    getThing: { "200": { $ref: "#/$defs/Thing" } },
    listThings: {
      "200": {
        type: "object",
        required: ["items"],
        properties: {
          items: { type: "array", items: { $ref: "#/$defs/Thing" } },
          total: { type: "integer" },
        },
        additionalProperties: false,
      },
    },
  },
};

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A server answering getThing with `thing` and listThings with `page`. */
async function portal(thing: unknown, page: unknown = { items: [] }) {
  const s = await startServer((req, res) => json(res, 200, req.url?.startsWith("/things/") ? thing : page));
  servers.push(s);
  return s;
}

function memoryLogger() {
  const lines: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (line) => lines.push(line),
    error: (line) => lines.push(line),
  };
  return { logger, lines };
}

/** A client of the test portal whose schema loader is a spy. */
function client(
  baseUrl: string,
  options: PortalClientOptions = {},
  load: () => Promise<ResponseSchemaModule> = async () => ({ checker: responseChecker(schemas) }),
) {
  const loader = vi.fn(load);
  const definition: PortalDefinition = { ...testDefinition(baseUrl), responseSchemas: loader };
  const c = createPortalClient(definition, {
    apiKey: "secret-key-123",
    env: false,
    ...options,
  } as PortalClientOptions);
  return { client: c as unknown as TestClient & typeof c, loader };
}

const drifted = { id: "A1", name: 42, size: -1, kind: "c", extra: true };

describe("validateResponses", () => {
  it("off (the default): never loads the schemas and reports nothing", async () => {
    const s = await portal(drifted);
    const { client: c, loader } = client(s.url);
    expect(await c.getThing({ path: { id: "A1" } })).toEqual(drifted);
    expect(loader).not.toHaveBeenCalled();
    expect(c.driftReport()).toEqual({ portal: "Testportal", mode: "off", checked: 0, differences: [] });
  });

  it("warn: logs each difference once (operation, pointer, expected, got) across repeated calls", async () => {
    const s = await portal(drifted, {
      items: [
        { id: "1", name: "x" },
        { id: "2", name: 7 },
        { id: "3", name: 8 },
      ],
      total: 3,
      next: "?",
    });
    const { logger, lines } = memoryLogger();
    const { client: c, loader } = client(s.url, { validateResponses: "warn", logger });
    for (let i = 0; i < 3; i++) expect(await c.getThing({ path: { id: "A1" } })).toEqual(drifted);
    await c.listThings();
    await c.listThings();
    expect(loader).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([
      'sciportals level=warn event=drift portal=Testportal operation=getThing status=200 pointer=/name keyword=type expected=string got="number 42"',
      'sciportals level=warn event=drift portal=Testportal operation=getThing status=200 pointer=/size keyword=minimum expected="minimum 0" got="number -1"',
      'sciportals level=warn event=drift portal=Testportal operation=getThing status=200 pointer=/kind keyword=enum expected="one of [\\"a\\",\\"b\\"]" got="string \\"c\\""',
      // Array positions are one place: the second item's drift is reported, the third's counted.
      'sciportals level=warn event=drift portal=Testportal operation=listThings status=200 pointer=/items/1/name keyword=type expected=string got="number 7"',
      'sciportals level=warn event=drift portal=Testportal operation=listThings status=200 pointer=/next keyword=additionalProperties expected="no property not named by the schema" got="string \\"?\\""',
    ]);
    const report = c.driftReport();
    expect(report).toMatchObject({ portal: "Testportal", mode: "warn", checked: 5 });
    expect(report.differences.map((d) => [d.operationId, d.pointer, d.count])).toEqual([
      ["getThing", "/name", 3],
      ["getThing", "/size", 3],
      ["getThing", "/kind", 3],
      ["listThings", "/items/1/name", 2],
      ["listThings", "/next", 2],
    ]);
    expect(report.differences[0]).toMatchObject({
      request: "GET /things/{id}",
      status: 200,
      keyword: "type",
    });
  });

  it("reports a missing required property at its own pointer", async () => {
    const s = await portal({ id: "A1" });
    const { logger, lines } = memoryLogger();
    const { client: c } = client(s.url, { validateResponses: "warn", logger });
    await c.getThing({ path: { id: "A1" } });
    expect(lines).toEqual([
      'sciportals level=warn event=drift portal=Testportal operation=getThing status=200 pointer=/name keyword=required expected="required property \\"name\\"" got=missing',
    ]);
  });

  it("throw: fails each call whose body differs with a ResponseValidationError listing the differences", async () => {
    const s = await portal(drifted);
    const { client: c } = client(s.url, { validateResponses: "throw" });
    for (let i = 0; i < 2; i++) {
      const error = await c.getThing({ path: { id: "A1" } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResponseValidationError);
      const e = error as ResponseValidationError;
      expect(e).toMatchObject({
        code: "response_drift",
        status: 200,
        operationId: "getThing",
        portal: "Testportal",
      });
      expect(e.message).toBe(
        "Testportal: the response to getThing differs from the spec at /name (type: expected string, got number 42) and in 2 more place(s)",
      );
      expect(e.differences.map((d) => d.pointer)).toEqual(["/name", "/size", "/kind"]);
    }
    expect(c.driftReport().differences.map((d) => d.count)).toEqual([2, 2, 2]);
  });

  it("passes a body that matches, in throw mode too", async () => {
    const s = await portal({ id: "A1", name: "thing", size: null, kind: "a", more: [1] });
    const { client: c } = client(s.url, { validateResponses: "throw" });
    await expect(c.getThing({ path: { id: "A1" } })).resolves.toMatchObject({ name: "thing" });
    expect(c.driftReport()).toMatchObject({ checked: 1, differences: [] });
  });

  it("never shows a secret: known secrets are scrubbed, secret-named fields show only type and size", async () => {
    const s = await portal({
      id: "A1",
      name: { echoed: "secret-key-123" },
      kind: "secret-key-123",
      token: 1,
    });
    const tokenSchemas = structuredClone(schemas);
    (tokenSchemas.$defs.Thing.properties as Record<string, unknown>).token = { type: "string" };
    const { logger, lines } = memoryLogger();
    const { client: c } = client(s.url, { validateResponses: "warn", logger }, async () => ({
      checker: responseChecker(tokenSchemas),
    }));
    await c.getThing({ path: { id: "A1" } });
    expect(lines.join("\n")).not.toContain("secret-key-123");
    expect(lines.join("\n")).toContain('got="string \\"***\\""');
    expect(lines.join("\n")).toContain('pointer=/token keyword=type expected=string got="number 1"');
    const s2 = await portal({ id: "A1", name: "n", token: "tok-abcdefgh" });
    const tokenNumber = structuredClone(tokenSchemas);
    (tokenNumber.$defs.Thing.properties as Record<string, unknown>).token = { type: "integer" };
    const logged = memoryLogger();
    const { client: c2 } = client(s2.url, { validateResponses: "warn", logger: logged.logger }, async () => ({
      checker: responseChecker(tokenNumber),
    }));
    await c2.getThing({ path: { id: "A1" } });
    expect(logged.lines).toEqual([
      'sciportals level=warn event=drift portal=Testportal operation=getThing status=200 pointer=/token keyword=type expected=integer got="string (12 chars)"',
    ]);
  });

  it("SCIPORTALS_VALIDATE turns it on where SCIPORTALS_LOG is read; the option wins", async () => {
    const s = await portal(drifted);
    const { logger, lines } = memoryLogger();
    const { client: c } = client(s.url, { env: { SCIPORTALS_VALIDATE: "Warn" }, logger });
    await c.getThing({ path: { id: "A1" } });
    expect(lines).toHaveLength(3);
    const { client: off, loader } = client(s.url, {
      env: { SCIPORTALS_VALIDATE: "throw" },
      validateResponses: false,
    });
    await off.getThing({ path: { id: "A1" } });
    expect(loader).not.toHaveBeenCalled();
  });

  it("rejects a mode it does not know, and a definition without schemas, with a ConfigurationError", () => {
    expect(() => client("http://127.0.0.1:1", { env: { SCIPORTALS_VALIDATE: "loud" } })).toThrow(
      /validateResponses \(or SCIPORTALS_VALIDATE\) must be "warn", "throw" or off, not "loud"/,
    );
    expect(() =>
      createPortalClient(testDefinition("http://127.0.0.1:1"), { env: false, validateResponses: "warn" }),
    ).toThrow(ConfigurationError);
  });

  it("a schema chunk that fails to load is reported once and leaves the calls alone", async () => {
    const s = await portal(drifted);
    const { logger, lines } = memoryLogger();
    const { client: c, loader } = client(s.url, { validateResponses: "throw", logger }, async () => {
      throw new Error("chunk missing");
    });
    await expect(c.getThing({ path: { id: "A1" } })).resolves.toEqual(drifted);
    await expect(c.getThing({ path: { id: "A1" } })).resolves.toEqual(drifted);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([
      'sciportals level=warn event=drift portal=Testportal problem="the response schemas did not load: chunk missing"',
    ]);
  });

  it("a schema the validator cannot use is reported once for its operation, and the calls go on", async () => {
    const s = await portal(drifted);
    const { logger, lines } = memoryLogger();
    const broken = { $defs: {}, operations: { getThing: { "200": { $ref: "#/$defs/Missing" } } } };
    const { client: c } = client(s.url, { validateResponses: "throw", logger }, async () => ({
      checker: responseChecker(broken),
    }));
    await expect(c.getThing({ path: { id: "A1" } })).resolves.toEqual(drifted);
    await expect(c.getThing({ path: { id: "A1" } })).resolves.toEqual(drifted);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^sciportals level=warn event=drift portal=Testportal operation=getThing problem="the operation's response schema cannot be checked: Unresolved \$ref/,
    );
  });

  it("the lean client has no validation: its calls neither load schemas nor check", async () => {
    const s = await portal(drifted);
    const lean = createPortalBase(testDefinition(s.url), {
      apiKey: "secret-key-123",
      env: { SCIPORTALS_VALIDATE: "throw" },
    } as PortalClientOptions);
    await expect(callOperation(lean, ops.getThing, { path: { id: "A1" } })).resolves.toEqual(drifted);
  });
});
