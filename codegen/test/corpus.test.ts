// The codegen conformance corpus: published specs (and a fixture of odd shapes) turned into
// packages that must type-check, build, load as ESM and CJS, and send what the spec says.
// See corpus/README.md for the specs and the figures this prints.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  baseUrl,
  clientMembers,
  createClient,
  credentialsFor,
  operationsOut,
} from "./corpus-support/client.js";
import { entries, type Call } from "./corpus-support/entries.js";
import { bundleSpec, operationsIn } from "./corpus-support/operations-in.js";
import { asBytes, stubFetch } from "./corpus-support/stub-fetch.js";
import { build, generate, loadBuilds, outRoot, repoRoot, typecheck } from "./corpus-support/toolchain.js";

// Generating, type-checking and building the big specs takes a while on a small machine.
const slow = 120_000;

beforeAll(() => rm(outRoot, { recursive: true, force: true }));

describe.sequential.each(entries)("corpus: $name", (entry) => {
  const dir = join(outRoot, entry.name);
  let doc: Record<string, any>;
  let built: Record<"esm" | "cjs", Record<string, unknown>> | undefined;
  const builds = () => {
    if (!built) throw new Error(`${entry.name} was not built: see the first test's failure`);
    return built;
  };

  it(
    "generates a package that type-checks, builds and loads",
    async () => {
      doc = await bundleSpec(join(repoRoot, entry.spec));
      const seconds = { generate: await generate(entry.spec, dir) } as Record<string, number>;
      seconds.tsc = await typecheck(dir);
      seconds.build = await build(dir);
      built = await loadBuilds(dir);
      const out = Object.keys(operationsOut(built.esm, entry.name)).length;
      const times = Object.entries(seconds).map(([step, s]) => `${step} ${s.toFixed(1)}s`);
      console.log(
        `corpus ${entry.name}: operations in ${operationsIn(doc).length}, out ${out}; ${times.join(", ")}`,
      );
    },
    slow,
  );

  it("has one client method per operation, camelCase, clear of the client's own members", () => {
    const operations = operationsOut(builds().esm, entry.name);
    const routes = Object.values(operations).map((op) => `${op.method.toUpperCase()} ${op.path}`);
    expect(routes.sort()).toEqual(operationsIn(doc).sort());
    for (const name of Object.keys(operations)) {
      expect(name).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(clientMembers).not.toContain(name);
    }
    const client = createClient(builds().esm, entry.name, { baseUrl, env: false });
    for (const name of Object.keys(operations)) expect(typeof client[name], name).toBe("function");
    // The CJS build is the same package.
    expect(Object.keys(operationsOut(builds().cjs, entry.name))).toEqual(Object.keys(operations));
  });

  // Titled by what the call carries, so that two calls of one operation read apart.
  const calls = entry.calls.flatMap((call) =>
    (["esm", "cjs"] as const).map((format) => {
      const carries = Object.keys(call.input ?? {}).join("+") || "no input";
      return { call, format, title: `${call.operation} with ${carries} (${format})` };
    }),
  );
  it.each(calls)("$title", async ({ call, format }) => {
    const sent = await callThroughStub(builds()[format], entry.name, doc, call);
    expect(sent.url).toBe(call.url);
    expect(sent.method).toBe(call.operation.split(" ")[0]);
    if (call.json !== undefined) {
      expect(sent.headers.get("content-type")).toMatch(/^application\/json/);
      expect(JSON.parse(sent.body)).toEqual(call.json);
    }
    if (call.multipart) {
      expect(sent.headers.get("content-type")).toMatch(/^multipart\/form-data; boundary=/);
      for (const piece of call.multipart) expect(sent.body).toContain(piece);
    }
    if (call.header) expect(sent.headers.get(call.header[0])).toBe(call.header[1]);
  });
});

/** Makes the call with a fresh stub; returns what reached it, after checking the result. */
async function callThroughStub(
  mod: Record<string, unknown>,
  name: string,
  doc: Record<string, any>,
  call: Call,
) {
  const operations = operationsOut(mod, name);
  const method = Object.entries(operations).find(
    ([, op]) => `${op.method.toUpperCase()} ${op.path}` === call.operation,
  )?.[0];
  if (!method) throw new Error(`no client method for ${call.operation}`);
  if (call.name) expect(method).toBe(call.name);
  const stub = stubFetch(call.respond);
  const client = createClient(mod, name, {
    baseUrl,
    fetch: stub.fetch,
    env: false,
    credentials: credentialsFor(doc),
  });
  const result = await (client[method] as (input?: unknown) => Promise<unknown>)(call.input);
  expect(call.binary ? await asBytes(result) : result).toEqual(call.returns);
  expect(stub.sent).toHaveLength(1);
  return stub.sent[0]!;
}
