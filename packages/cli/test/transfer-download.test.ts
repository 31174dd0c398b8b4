import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStomicsSandbox, type StomicsSandbox } from "@sciportals/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = join(__dirname, "../dist/cli.mjs");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built binary; `onStderr` sees the output as it comes (to interrupt it mid-batch). */
function run(
  args: string[],
  env: Record<string, string>,
  onStderr?: (text: string, kill: () => void) => void,
) {
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
      onStderr?.(stderr, () => child.kill("SIGINT"));
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("sciportals stomics download", { timeout: 60_000 }, () => {
  let sandbox: StomicsSandbox;
  let env: Record<string, string>;
  let work: string;
  /** The files of the first 10 datasets, as `accession/file_id`, with their names. */
  let files: { ref: string; id: number; path: string }[];

  beforeAll(async () => {
    // A 4 MiB matrix for STD0001 keeps a file in flight long enough to be cut and resumed.
    sandbox = await startStomicsSandbox({ datasets: 12, bigFileBytes: 4 * 1024 * 1024 });
    env = { STOMICS_BASE_URL: sandbox.url, STOMICS_API_KEY: sandbox.apiKey };
    work = mkdtempSync(join(tmpdir(), "sciportals-transfer-"));
    files = sandbox.catalog.slice(0, 10).flatMap((d) =>
      d.files.map((f) => ({
        ref: `${d.accession}/${f.id}`,
        id: f.id,
        path: join(d.accession, f.filename),
      })),
    );
    writeFileSync(
      join(work, "ids.txt"),
      `# every file of ten datasets\n${files.map((f) => f.ref).join("\n")}\n`,
    );
  });

  afterAll(async () => {
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  });

  const verifyAll = (dir: string) => {
    for (const file of files) {
      const bytes = readFileSync(join(dir, file.path));
      const sha = createHash("sha256").update(bytes).digest("hex");
      expect(sha, file.path).toBe(sandbox.fileContent(file.id).sha256());
    }
  };

  it("downloads 20+ files through a cut connection and a 429, every file verified", async () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    const dir = join(work, "faults");
    const big = (url: string | undefined) => String(url).includes("STD0001_matrix");
    const mid = (url: string | undefined) => String(url).includes("STD0005");
    sandbox.storage.faults
      .cutNext(1024 * 1024, 1, (req) => big(req.url))
      .failNext(1, { status: 429, retryAfter: 1, match: (req) => mid(req.url) });
    const before = sandbox.storage.requests.length;

    const result = await run(["stomics", "download", "--from", join(work, "ids.txt"), "--dir", dir], env);

    expect(result.stderr).not.toContain("failed ");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${files.length} downloaded, 0 skipped, 0 failed\n`);
    // The plain-line display (stderr is not a TTY): one line per file and the batch's totals.
    expect(result.stderr.match(/^done {5}/gm)).toHaveLength(files.length);
    expect(result.stderr).toMatch(
      new RegExp(`${files.length}/${files.length} files · [\\d.]+ MiB / [\\d.]+ MiB`),
    );
    const served = sandbox.storage.requests.slice(before);
    expect(served.filter((r) => r.status === 429)).toHaveLength(1);
    // The cut file was continued with a Range request, not fetched again from zero.
    expect(
      served.some((r) => big(r.path) && r.range?.startsWith("bytes=") && !r.range.startsWith("bytes=0-")),
    ).toBe(true);
    verifyAll(dir);
  });

  it("stops on Ctrl-C and a second run finishes the batch, skipping complete files", async () => {
    const dir = join(work, "resume");
    // Slow the storage so the batch is still running when it is interrupted.
    sandbox.storage.faults.delayNext(200, 1000);
    const args = ["stomics", "download", "--from", join(work, "ids.txt"), "--dir", dir, "--concurrency", "2"];
    let sent = false;
    const first = await run(args, env, (stderr, kill) => {
      if (!sent && (stderr.match(/^done /gm)?.length ?? 0) >= 4) {
        sent = true;
        kill();
      }
    });
    sandbox.storage.faults.clear();
    expect(first.code).toBe(130);
    const stopped = /^interrupted: (\d+) downloaded, 0 skipped, (\d+) failed$/m.exec(first.stdout);
    expect(stopped).not.toBeNull();
    const downloaded = Number(stopped![1]);
    expect(downloaded).toBeGreaterThanOrEqual(4);
    expect(downloaded).toBeLessThan(files.length);

    const second = await run([...args, "--no-progress"], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(`${files.length - downloaded} downloaded, ${downloaded} skipped, 0 failed\n`);
    // --no-progress: nothing on stderr.
    expect(second.stderr).toBe("");
    verifyAll(dir);
    for (const file of files) expect(existsSync(join(dir, `${file.path}.part`))).toBe(false);
  });

  it("exits 1 and says so when a file fails, after downloading the others", async () => {
    const dir = join(work, "failing");
    const result = await run(["stomics", "download", files[0]!.ref, "STD0002/999999", "--dir", dir], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("1 downloaded, 0 skipped, 1 failed\n");
    expect(result.stderr).toMatch(/failed +\S+999999: .*404/);
  });

  it("downloads every item of a list operation, and rejects a bad call with exit 2", async () => {
    const dir = join(work, "list");
    const accession = sandbox.catalog[1]!.accession;
    const result = await run(
      [
        "stomics",
        "download",
        "--list",
        "list-dataset-files",
        "--param",
        `accession=${accession}`,
        "--dir",
        dir,
      ],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const count = sandbox.catalog[1]!.files.length;
    expect(result.stdout).toBe(`${count} downloaded, 0 skipped, 0 failed\n`);
    for (const f of sandbox.catalog[1]!.files)
      expect(existsSync(join(dir, accession, f.filename))).toBe(true);

    // The key from --token-file, with no variable set: the CLI's credentials, not only the package's.
    const keyFile = join(work, "key");
    writeFileSync(keyFile, `${sandbox.apiKey}\n`, { mode: 0o600 });
    const again = await run(
      ["stomics", "download", files[0]!.ref, "--dir", join(work, "token"), "--token-file", keyFile],
      {
        STOMICS_BASE_URL: sandbox.url,
        STOMICS_API_KEY: "",
        XDG_CONFIG_HOME: work,
      },
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe("1 downloaded, 0 skipped, 0 failed\n");

    const usage = await run(["stomics", "download", "--dir", dir], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("name files to download");
  });

  it("stops at the first refused or missing credential with exit 3, saying so once", async () => {
    const home = mkdtempSync(join(tmpdir(), "sciportals-nokey-"));
    const noKey = { STOMICS_BASE_URL: sandbox.url, STOMICS_API_KEY: "", HOME: home, XDG_CONFIG_HOME: home };
    const missing = await run(
      ["stomics", "download", "--from", join(work, "ids.txt"), "--dir", join(work, "nokey"), "--no-progress"],
      noKey,
    );
    expect(missing.code, missing.stderr).toBe(3);
    expect(missing.stderr.match(/STOMICS_API_KEY/g)?.length, missing.stderr).toBe(1);
    expect(existsSync(join(work, "nokey", files[0]!.path))).toBe(false);

    const wrong = await run(
      ["stomics", "download", "--from", join(work, "ids.txt"), "--dir", join(work, "wrongkey")],
      { ...noKey, STOMICS_API_KEY: "sk-not-the-sandbox-key" },
    );
    expect(wrong.code, wrong.stderr).toBe(3);
    expect(wrong.stderr).toContain("stopped: no file was downloaded after the first refused one");
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain("sk-not-the-sandbox-key");
    expect(files.some((f) => existsSync(join(work, "wrongkey", f.path)))).toBe(false);
    rmSync(home, { recursive: true, force: true });
  });
});
