import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startStomicsSandbox, type StomicsSandbox } from "@sciportals/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, tempHome } from "./run.js";

let sandbox: StomicsSandbox;
let env: Record<string, string>;

// Each test spawns the binary several times: generous limits for a loaded CI machine.
beforeAll(async () => {
  sandbox = await startStomicsSandbox({ datasets: 45, bigFileBytes: 1024 });
  env = { ...tempHome(), STOMICS_BASE_URL: sandbox.url };
});
afterAll(() => sandbox.close());

describe("generated operation commands", { timeout: 30_000 }, () => {
  it("streams every item of every page with --all --output ndjson", async () => {
    const result = await run(
      [
        "stomics",
        "list-datasets",
        "--all",
        "--per-page",
        "10",
        "--output",
        "ndjson",
        "--token",
        sandbox.apiKey,
      ],
      env,
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(sandbox.catalog.length);
    const accessions = new Set(lines.map((line) => (JSON.parse(line) as { accession: string }).accession));
    expect(accessions).toEqual(new Set(sandbox.catalog.map((d) => d.accession)));
    // Five pages of 10 were fetched, not one page of everything.
    expect(sandbox.requests.filter((r) => r.path === "/api/v1/datasets").length).toBeGreaterThanOrEqual(5);
  });

  it("--all --output json writes one array of every item", async () => {
    const result = await run(
      [
        "stomics",
        "list-datasets",
        "--all",
        "--per-page",
        "20",
        "--output",
        "json",
        "--token",
        sandbox.apiKey,
      ],
      env,
    );
    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout) as unknown[]).length).toBe(sandbox.catalog.length);
  });

  it("sends typed flags as the spec's parameters and prints one page without --all", async () => {
    const result = await run(
      [
        "stomics",
        "list-datasets",
        "--per-page",
        "3",
        "--page",
        "2",
        "--output",
        "ndjson",
        "--token",
        sandbox.apiKey,
      ],
      env,
    );
    expect(result.status).toBe(0);
    const items = result.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { accession: string });
    expect(items.map((d) => d.accession)).toEqual(sandbox.catalog.slice(3, 6).map((d) => d.accession));
  });

  it("documents each operation's flags from the spec", async () => {
    const result = await run(["stomics", "list-datasets", "--help"], env);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("--per-page <integer>");
    expect(result.stdout).toContain("List datasets");
    const portalHelp = await run(["stomics", "--help"], env);
    expect(portalHelp.stdout).toMatch(/datasets:\n\s+list-datasets/);
  });
});

describe("the exit-code contract", { timeout: 30_000 }, () => {
  const call = (...args: string[]) => run(["stomics", ...args], env);

  it("0 on success", async () => {
    const result = await call(
      "get-dataset",
      "--accession",
      "STD0001",
      "--output",
      "json",
      "--token",
      sandbox.apiKey,
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ accession: "STD0001" });
  });

  it("2 on a usage error: a flag of the wrong type, an unknown flag, a missing required flag", async () => {
    expect((await call("list-datasets", "--per-page", "ten", "--token", sandbox.apiKey)).status).toBe(2);
    expect((await call("list-datasets", "--no-such-flag")).status).toBe(2);
    expect((await call("get-dataset", "--token", sandbox.apiKey)).status).toBe(2);
  });

  it("3 without a credential and with a wrong one", async () => {
    const missing = await call("list-datasets");
    expect(missing.status).toBe(3);
    expect(missing.stderr).toContain("sciportals stomics login");
    expect((await call("list-datasets", "--token", "sk-wrong")).status).toBe(3);
  });

  it("4 on not found, with a JSON error on stderr under --output json", async () => {
    const result = await call(
      "get-dataset",
      "--accession",
      "STD9999",
      "--output",
      "json",
      "--token",
      sandbox.apiKey,
    );
    expect(result.status).toBe(4);
    expect(result.stdout).toBe("");
    expect(JSON.parse(result.stderr)).toMatchObject({
      error: { type: "NotFoundError", status: 404, exitCode: 4 },
    });
  });

  it("5 on a request the portal refuses", async () => {
    const result = await call("list-datasets", "--per-page", "100000", "--token", sandbox.apiKey);
    expect(result.status).toBe(5);
  });
});

describe("credentials", { timeout: 30_000 }, () => {
  it("login stores a token 0600 that later calls use; logout removes it", async () => {
    const home = { ...tempHome(), STOMICS_BASE_URL: sandbox.url };
    const login = await run(["stomics", "login"], home, `${sandbox.apiKey}\n`);
    expect(login.status).toBe(0);
    const file = join(home.XDG_CONFIG_HOME, "sciportals", "stomics", "token");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const listed = await run(["stomics", "list-datasets", "--per-page", "2", "--output", "ndjson"], home);
    expect(listed.status).toBe(0);
    expect(listed.stdout.trimEnd().split("\n")).toHaveLength(2);
    const whoami = await run(["stomics", "whoami", "--output", "json"], home);
    expect(whoami.status).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ authenticated: true, credential: file });
    expect((await run(["stomics", "logout"], home)).status).toBe(0);
    expect((await run(["stomics", "list-datasets"], home)).status).toBe(3);
  });

  it("--token-file overrides the environment variable", async () => {
    const home = tempHome();
    const tokenFile = join(home.HOME, "key");
    writeFileSync(tokenFile, `${sandbox.apiKey}\n`, { mode: 0o600 });
    const result = await run(
      ["stomics", "get-dataset", "--accession", "STD0001", "--token-file", tokenFile],
      {
        ...home,
        STOMICS_BASE_URL: sandbox.url,
        STOMICS_API_KEY: "sk-wrong",
      },
    );
    expect(result.status).toBe(0);
  });

  it("never prints the secret, not with --verbose, not on errors", async () => {
    const secretHome = { ...tempHome(), STOMICS_BASE_URL: sandbox.url };
    const runs = await Promise.all([
      run(
        ["stomics", "list-datasets", "--per-page", "2", "--verbose", "--token", sandbox.apiKey],
        secretHome,
      ),
      run(["stomics", "whoami", "--verbose", "--token", sandbox.apiKey], secretHome),
      run(["stomics", "get-dataset", "--accession", "NOPE", "--verbose", "--output", "json"], {
        ...secretHome,
        STOMICS_API_KEY: sandbox.apiKey,
      }),
      run(["stomics", "login", "--verbose"], secretHome, `${sandbox.apiKey}\n`),
    ]);
    // The verbose log is there (so the check below looks at real output).
    expect(runs[0]!.stderr).toContain("> GET ");
    expect(runs[2]!.status).toBe(4);
    for (const result of runs) {
      expect(result.stdout).not.toContain(sandbox.apiKey);
      expect(result.stderr).not.toContain(sandbox.apiKey);
    }
  });
});
