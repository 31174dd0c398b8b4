import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startBrainstemSandbox, type BrainstemSandbox } from "@sciportals/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, tempHome } from "./run.js";

let sandbox: BrainstemSandbox;
let env: Record<string, string>;

// Each test spawns the binary several times: generous limits for a loaded CI machine.
beforeAll(async () => {
  sandbox = await startBrainstemSandbox({ autoApprove: "alice", deviceIntervalSeconds: 1 });
  env = { ...tempHome(), BRAINSTEM_BASE_URL: sandbox.url, BRAINSTEM_API_TOKEN: sandbox.token };
});
afterAll(() => sandbox.close());

/** A subject needs a project and a strain: the sandbox's fixtures. */
const subject = (name: string, sex: string) =>
  JSON.stringify({ name, sex, projects: [sandbox.ids["project/visual"]], strain: sandbox.ids["strain/c57"] });
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

describe("BrainSTEM's tool verbs", { timeout: 30_000 }, () => {
  it("save creates, load finds it with --filters, save --id updates, delete removes (then 4)", async () => {
    const name = `cli-subject-${Date.now()}`;
    const created = await run(
      ["brainstem", "save", "subject", "--data", subject(name, "F"), "--output", "json"],
      env,
    );
    expect(created.stderr).toBe("");
    expect(created.status).toBe(0);
    const id =
      (json(created.stdout).subject as { id: string } | undefined)?.id ?? (json(created.stdout).id as string);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const loaded = await run(
      ["brainstem", "load", "subject", "--filters", `name.icontains=${name}`, "--output", "ndjson"],
      env,
    );
    expect(loaded.status).toBe(0);
    const rows = loaded.stdout.trimEnd().split("\n").map(json);
    expect(rows.map((r) => r.name)).toEqual([name]);

    const updated = await run(
      ["brainstem", "save", "subject", "--id", id, "--data", '{"genotype":"wt"}', "--output", "json"],
      env,
    );
    expect(updated.status).toBe(0);
    expect(JSON.stringify(json(updated.stdout))).toContain('"genotype":"wt"');

    expect((await run(["brainstem", "delete", "subject", "--id", id], env)).status).toBe(0);
    expect((await run(["brainstem", "load", "subject", "--id", id], env)).status).toBe(4);
  });

  it("refuses an unknown model or a delete without --id as usage errors", async () => {
    expect((await run(["brainstem", "load", "nosuchmodel"], env)).status).toBe(2);
    expect((await run(["brainstem", "delete", "subject"], env)).status).toBe(2);
  });

  it("the generated command takes BrainSTEM's filter{…} as repeatable --filter KEY=VALUE and a --body file", async () => {
    const home = tempHome();
    const bodyFile = join(home.HOME, "subject.json");
    const name = `cli-generated-${Date.now()}`;
    writeFileSync(bodyFile, subject(name, "M"));
    const created = await run(
      ["brainstem", "create-subject", "--body", `@${bodyFile}`, "--output", "json"],
      env,
    );
    expect(created.status).toBe(0);
    const listed = await run(
      [
        "brainstem",
        "list-subjects",
        "--filter",
        `name.icontains=${name}`,
        "--filter",
        "sex=M",
        "--output",
        "ndjson",
      ],
      env,
    );
    expect(listed.status).toBe(0);
    expect(
      listed.stdout
        .trimEnd()
        .split("\n")
        .map((l) => json(l).name),
    ).toEqual([name]);
    const fromStdin = await run(
      ["brainstem", "create-subject", "--body", "-", "--output", "json"],
      env,
      "{not json",
    );
    expect(fromStdin.status).toBe(2);
  });
});

describe("BrainSTEM login", { timeout: 30_000 }, () => {
  it("signs in with the device flow, saves the Python tool's token file 0600, and later calls use it", async () => {
    const home = { ...tempHome(), BRAINSTEM_BASE_URL: sandbox.url };
    const login = await run(["brainstem", "login"], home);
    expect(login.stderr).toContain("confirm the code");
    expect(login.status).toBe(0);
    const file = join(home.HOME, ".config", "brainstem", "token");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const projects = await run(["brainstem", "load", "project", "--limit", "1", "--output", "json"], home);
    expect(projects.status).toBe(0);
    const whoami = await run(["brainstem", "whoami", "--output", "json"], home);
    expect(json(whoami.stdout)).toMatchObject({ authenticated: true, credential: file });
    expect((await run(["brainstem", "logout"], home)).status).toBe(0);
    expect((await run(["brainstem", "load", "project"], home)).status).toBe(3);
  });
});
