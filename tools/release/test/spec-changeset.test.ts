import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { afterEach, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { SpecChange } from "../src/changes.js";
import { isUnedited, renderChangeset } from "../src/changeset-file.js";
import { compareVersions } from "../src/release-base.js";
import { runSpecChangeset } from "../src/spec-changeset.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "../../..");
const baseSpec = readFileSync(join(here, "fixtures/base.yaml"), "utf8");

describe("renderChangeset", () => {
  const changes: SpecChange[] = [
    { kind: "parameter-removed", location: 'GET /api/v1/datasets query parameter "q"', bump: "major" },
    {
      kind: "field-added",
      location: 'response schema "Dataset" field "download_count"',
      bump: "minor",
      usedBy: ["GET /api/v1/datasets", "POST /api/v1/datasets", "GET /api/v1/datasets/{id}", "DELETE /x"],
    },
    {
      kind: "enum-value-added",
      location: 'GET /api/v1/datasets query parameter "sort"',
      bump: "minor",
      detail: '"*_asc"',
    },
    { kind: "documentation-changed", location: "GET /api/v1/datasets", bump: "patch", detail: "description" },
    { kind: "response-added", location: "GET /a response 400", bump: "patch" },
    { kind: "response-added", location: "GET /b response 400", bump: "patch" },
    { kind: "response-added", location: "POST /c response 400", bump: "patch" },
  ];
  const input = {
    packageName: "@sciportals/demo",
    specFile: "specs/demo/openapi.yaml",
    since: "0.1.0",
    changes,
  };

  it("writes the highest bump and the changes grouped by class, the same change in many operations as one line", () => {
    const file = renderChangeset(input);
    expect(file.bump).toBe("major");
    expect(file.content).toBe(
      [
        "---",
        '"@sciportals/demo": major',
        "---",
        "",
        "Changes to the spec `specs/demo/openapi.yaml` since 0.1.0.",
        "",
        "Breaking changes (major):",
        "",
        "- `GET /api/v1/datasets` query parameter `q`: removed",
        "",
        "Additions (minor):",
        "",
        "- response schema `Dataset` field `download_count` (used by `GET /api/v1/datasets`, `POST /api/v1/datasets`, `GET /api/v1/datasets/{id}` and 1 more): added",
        "- `GET /api/v1/datasets` query parameter `sort`: enum value `*_asc` added",
        "",
        "Fixes and documentation (patch):",
        "",
        "- `GET /api/v1/datasets`: documentation changed (description)",
        "- response 400 in 3 operations (`GET /a`, `GET /b`, `POST /c`): added",
        "",
      ].join("\n"),
    );
  });

  it("names the file after the package and a hash of the content", () => {
    const file = renderChangeset(input);
    expect(file.fileName).toMatch(/^spec-demo-[0-9a-f]{8}\.md$/);
    expect(renderChangeset(input).fileName).toBe(file.fileName);
    expect(renderChangeset({ ...input, since: "0.2.0" }).fileName).not.toBe(file.fileName);
    expect(isUnedited(file.fileName, file.content)).toBe(true);
    expect(isUnedited(file.fileName, file.content.replace("removed", "removed, use `query`"))).toBe(false);
  });

  it("writes Markdown that Prettier leaves alone (npm run lint checks .changeset/)", async () => {
    const file = renderChangeset(input);
    const options = await resolveConfig(join(repoRoot, ".changeset", file.fileName));
    expect(await format(file.content, { ...options, parser: "markdown" })).toBe(file.content);
  });

  it("says a new package is new", () => {
    const file = renderChangeset({
      packageName: "@sciportals/demo",
      specFile: "specs/demo/openapi.yaml",
      changes: [{ kind: "package-added", location: "@sciportals/demo", bump: "minor" }],
    });
    expect(file.content).toBe(
      '---\n"@sciportals/demo": minor\n---\n\nNew package, generated from `specs/demo/openapi.yaml`.\n',
    );
  });
});

describe("compareVersions", () => {
  it("orders by semver, not by text", () => {
    expect(compareVersions("0.10.0", "0.9.0")).toBeGreaterThan(0);
    expect(compareVersions("1.0.0-next.2", "1.0.0")).toBeLessThan(0);
    expect(compareVersions("1.0.0-next.10", "1.0.0-next.2")).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------- the CLI, in a throwaway repository

// Run from a git hook, these would point every git call (the CLI's too) at the outer repository.
for (const key of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"]) delete process.env[key];

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/**
 * A repository with one portal, `demo`: redocly.yaml, its spec and its package.json (version 0.1.0).
 * `release` changes the tree before that version is committed.
 */
function makeRepo(options: { commitPackage?: boolean; release?: (dir: string) => void } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "spec-changeset-"));
  dirs.push(dir);
  git(dir, "init", "-q", "-b", "main");
  git(dir, "config", "user.name", "Release Test");
  git(dir, "config", "user.email", "release-test@example.org");
  git(dir, "config", "commit.gpgsign", "false");
  git(dir, "config", "tag.gpgsign", "false");
  writeFileSync(join(dir, "redocly.yaml"), "apis:\n  demo:\n    root: specs/demo/openapi.yaml\n");
  mkdirSync(join(dir, ".changeset"));
  writeFileSync(join(dir, ".changeset/README.md"), "# Changesets\n");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "Repository");
  mkdirSync(join(dir, "specs/demo"), { recursive: true });
  mkdirSync(join(dir, "packages/demo"), { recursive: true });
  writeFileSync(join(dir, "specs/demo/openapi.yaml"), baseSpec);
  setVersion(dir, "0.1.0");
  options.release?.(dir);
  if (options.commitPackage !== false) commit(dir, "Demo 0.1.0");
  return dir;
}

function setVersion(dir: string, version: string, extra: object = {}): void {
  const manifest = { name: "@sciportals/demo", version, ...extra };
  writeFileSync(join(dir, "packages/demo/package.json"), JSON.stringify(manifest, null, 2) + "\n");
}

function commit(dir: string, message: string): string {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

/** Edits the working tree's spec. */
function editSpec(dir: string, edit: (doc: any) => void): void {
  const path = join(dir, "specs/demo/openapi.yaml");
  const doc = parse(readFileSync(path, "utf8"));
  edit(doc);
  writeFileSync(path, stringify(doc));
}

const describeQ = (doc: any) =>
  (doc.paths["/api/v1/datasets"].get.parameters[0].description = "Search titles.");
const addTechnology = (doc: any) =>
  doc.paths["/api/v1/datasets"].get.parameters.push({
    name: "technology",
    in: "query",
    schema: { type: "integer" },
  });
const requirePerPage = (doc: any) => (doc.paths["/api/v1/datasets"].get.parameters[3].required = true);

async function run(dir: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSpecChangeset(argv, { cwd: dir, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function changesets(dir: string): Record<string, string> {
  const names = readdirSync(join(dir, ".changeset")).filter((name) => name !== "README.md");
  return Object.fromEntries(names.map((name) => [name, readFileSync(join(dir, ".changeset", name), "utf8")]));
}

describe("npm run spec:changeset", () => {
  it("without a tag, compares with the commit that set the current version and writes the changeset", async () => {
    const dir = makeRepo();
    const versionSet = git(dir, "rev-parse", "HEAD");
    editSpec(dir, describeQ);
    commit(dir, "Document q");
    setVersion(dir, "0.1.0", { description: "Demo client" }); // package.json changes, the version does not
    commit(dir, "Describe the package");
    editSpec(dir, addTechnology);

    const { code, out } = await run(dir);
    expect(code).toBe(0);
    expect(out).toContain(
      `demo (@sciportals/demo): compared with commit ${versionSet.slice(0, 7)}, which set version 0.1.0 in packages/demo/package.json`,
    );
    const written = changesets(dir);
    const [name] = Object.keys(written);
    expect(name).toMatch(/^spec-demo-[0-9a-f]{8}\.md$/);
    expect(out).toContain(`wrote .changeset/${name}`);
    expect(written[name!]).toBe(
      [
        "---",
        '"@sciportals/demo": minor',
        "---",
        "",
        "Changes to the spec `specs/demo/openapi.yaml` since 0.1.0.",
        "",
        "Additions (minor):",
        "",
        "- `GET /api/v1/datasets` query parameter `technology`: added (optional)",
        "",
        "Fixes and documentation (patch):",
        "",
        "- `GET /api/v1/datasets` query parameter `q`: documentation changed (description)",
        "",
      ].join("\n"),
    );
  });

  it("compares with the newest release tag reachable from HEAD", async () => {
    const dir = makeRepo();
    git(dir, "tag", "@sciportals/demo@0.9.0");
    git(dir, "checkout", "-q", "-b", "side");
    editSpec(dir, describeQ);
    commit(dir, "Elsewhere");
    git(dir, "tag", "@sciportals/demo@9.9.9"); // not on main: never released from here
    git(dir, "checkout", "-q", "main");
    editSpec(dir, addTechnology);
    setVersion(dir, "0.10.0");
    commit(dir, "Release 0.10.0");
    git(dir, "tag", "@sciportals/demo@0.10.0");
    editSpec(dir, requirePerPage);

    const { code, out } = await run(dir);
    expect(code).toBe(0);
    expect(out).toContain("demo (@sciportals/demo): compared with tag @sciportals/demo@0.10.0");
    expect(Object.values(changesets(dir))).toEqual([
      [
        "---",
        '"@sciportals/demo": major',
        "---",
        "",
        "Changes to the spec `specs/demo/openapi.yaml` since 0.10.0.",
        "",
        "Breaking changes (major):",
        "",
        "- `GET /api/v1/datasets` query parameter `per_page`: made required",
        "",
      ].join("\n"),
    ]);
  });

  it("--dry-run prints and writes nothing; --since overrides the base", async () => {
    const dir = makeRepo();
    editSpec(dir, describeQ);
    const documented = commit(dir, "Document q");
    editSpec(dir, addTechnology);

    const dry = await run(dir, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/would write \.changeset\/spec-demo-[0-9a-f]{8}\.md/);
    expect(dry.out).toContain("  | - `GET /api/v1/datasets` query parameter `technology`: added (optional)");
    expect(changesets(dir)).toEqual({});

    const since = await run(dir, "--since", documented);
    expect(since.out).toContain(`compared with ${documented} (--since)`);
    const [content] = Object.values(changesets(dir));
    expect(content).toContain(`since ${documented}.`);
    expect(content).toContain("query parameter `technology`: added (optional)");
    expect(content).not.toContain("`q`");
  });

  it("replaces its own earlier changeset, keeps one edited by hand, and reports nothing to do", async () => {
    const dir = makeRepo();
    editSpec(dir, addTechnology);
    await run(dir);
    const [first] = Object.keys(changesets(dir));

    editSpec(dir, describeQ);
    const second = await run(dir);
    const [replacement] = Object.keys(changesets(dir));
    expect(replacement).not.toBe(first);
    expect(second.out).toContain(`remove .changeset/${first} (an earlier run's, now superseded)`);

    const path = join(dir, ".changeset", replacement!);
    writeFileSync(path, readFileSync(path, "utf8") + "\nUse `technology` to filter by platform.\n");
    editSpec(dir, requirePerPage);
    const third = await run(dir);
    expect(third.out).toContain(`kept .changeset/${replacement}: edited by hand`);
    const names = Object.keys(changesets(dir));
    expect(names).toHaveLength(2);
    expect(names).toContain(replacement);

    const again = await run(dir);
    expect(again.out).toMatch(/\.changeset\/spec-demo-[0-9a-f]{8}\.md is up to date/);
    expect(Object.keys(changesets(dir))).toEqual(names);
  });

  it("writes nothing when the spec has not changed since the release", async () => {
    const dir = makeRepo();
    const { code, out } = await run(dir);
    expect(code).toBe(0);
    expect(out).toContain("  no changes");
    expect(changesets(dir)).toEqual({});
  });

  it("calls a portal with no release and no committed version a new package", async () => {
    const dir = makeRepo({ commitPackage: false });
    const { out } = await run(dir);
    expect(out).toContain(
      "compared with nothing: no release tag and no commit of packages/demo/package.json",
    );
    expect(Object.values(changesets(dir))).toEqual([
      '---\n"@sciportals/demo": minor\n---\n\nNew package, generated from `specs/demo/openapi.yaml`.\n',
    ]);
  });

  it("fails clearly on a bad ref, an unknown option or an unknown api, and prints help", async () => {
    const dir = makeRepo();
    const badRef = await run(dir, "--since", "v0.0.0-nope");
    expect(badRef.code).toBe(1);
    expect(badRef.err).toContain("--since v0.0.0-nope: not a commit git knows here");
    const badOption = await run(dir, "--force");
    expect(badOption.code).toBe(2);
    expect(badOption.err).toContain("unknown option --force");
    const badApi = await run(dir, "nope");
    expect(badApi.code).toBe(1);
    expect(badApi.err).toContain("not in redocly.yaml: nope");
    const help = await run(dir, "--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain("Usage: npm run spec:changeset");
  });
});

// ------------------------------------------------- both sides read as codegen reads them

/** Points apis.demo at `root`, corrected by specs/demo/overlay.yaml holding `actions`. */
function useOverlay(dir: string, root: string, actions: object[]): void {
  writeFileSync(
    join(dir, "redocly.yaml"),
    `apis:\n  demo:\n    root: ${root}\n    x-sciportals-overlay: specs/demo/overlay.yaml\n`,
  );
  const overlay = { overlay: "1.0.0", info: { title: "Demo corrections", version: "1.0.0" }, actions };
  writeFileSync(join(dir, "specs/demo/overlay.yaml"), stringify(overlay));
}

const describeInfo = { target: "$.info", update: { description: "Corrected by the overlay." } };
const dropStatus = { target: "$.paths['/api/v1/status'].get", remove: true };

describe("npm run spec:changeset on overlays and multi-file specs", () => {
  it("diffs the specs with their overlay applied: an operation the overlay now removes is major", async () => {
    const dir = makeRepo({ release: (d) => useOverlay(d, "specs/demo/openapi.yaml", [describeInfo]) });
    useOverlay(dir, "specs/demo/openapi.yaml", [describeInfo, dropStatus]);
    expect(git(dir, "status", "--porcelain")).toBe("M specs/demo/overlay.yaml"); // the spec is as released

    const { code, out } = await run(dir);
    expect(code).toBe(0);
    expect(out).toContain("  major: 1 major, 0 minor, 0 patch changes");
    expect(Object.values(changesets(dir))).toEqual([
      [
        "---",
        '"@sciportals/demo": major',
        "---",
        "",
        "Changes to the spec `specs/demo/openapi.yaml` since 0.1.0.",
        "",
        "Breaking changes (major):",
        "",
        "- `GET /api/v1/status`: operation `getStatus` removed",
        "",
      ].join("\n"),
    ]);
  });

  it("reads the release's redocly.yaml: a move to upstream + overlay with the same result changes nothing", async () => {
    const dir = makeRepo();
    const upstream = parse(baseSpec);
    upstream.info.description = "As the portal publishes it.";
    mkdirSync(join(dir, "specs/demo/upstream"));
    writeFileSync(join(dir, "specs/demo/upstream/openapi.yaml"), stringify(upstream));
    rmSync(join(dir, "specs/demo/openapi.yaml"));
    useOverlay(dir, "specs/demo/upstream/openapi.yaml", [
      { target: "$.info", update: { description: parse(baseSpec).info.description } },
    ]);

    const { code, out } = await run(dir);
    expect(code).toBe(0);
    expect(out).toContain("  no changes");
    expect(changesets(dir)).toEqual({});
  });

  it("bundles multi-file specs on both sides: a change only in a referenced file is seen", async () => {
    const schemaFile = "specs/demo/schemas/dataset-input.yaml";
    const split = (dir: string) => {
      const doc = parse(baseSpec);
      mkdirSync(join(dir, "specs/demo/schemas"));
      writeFileSync(join(dir, schemaFile), stringify(doc.components.schemas.DatasetInput));
      doc.components.schemas.DatasetInput = { $ref: "./schemas/dataset-input.yaml" };
      writeFileSync(join(dir, "specs/demo/openapi.yaml"), stringify(doc));
    };
    const dir = makeRepo({ release: split });
    const input = parse(readFileSync(join(dir, schemaFile), "utf8"));
    input.required.push("species");
    writeFileSync(join(dir, schemaFile), stringify(input));

    const { code, out } = await run(dir);
    expect(code).toBe(0);
    expect(out).toContain("  major: 1 major, 0 minor, 0 patch changes");
    // Redocly names the bundled component after its file, as codegen sees it.
    expect(out).toContain(
      "  | - request schema `dataset-input` field `species` (used by `POST /api/v1/datasets`): made required",
    );
  });
});
