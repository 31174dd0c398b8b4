import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, run } from "../src/proc.js";
import { startRegistry, type LocalRegistry } from "../src/registry.js";

// The registry has no uplink here, so nothing in this test can reach the internet.
describe("the local registry", () => {
  let registry: LocalRegistry;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "sciportals-registry-test-"));
    registry = await startRegistry({ local: ["@rehearsal-test/*"], uplink: null });
  }, 60_000);

  afterAll(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  // npm with its own cache, so that this test neither reads nor fills the user's.
  const npm = (cwd: string, args: string[]) =>
    run(
      "npm",
      [...args, `--cache=${join(work, "npm-cache")}`, "--no-audit", "--no-fund", "--no-update-notifier"],
      {
        cwd,
        env: childEnv(),
        timeoutMs: 60_000,
      },
    );

  it("answers on 127.0.0.1 with throwaway storage", async () => {
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(registry.pid).toBeGreaterThan(0);
    expect((await fetch(`${registry.url}-/ping`)).ok).toBe(true);
    const config = await readFile(join(registry.dir, "config.yaml"), "utf8");
    expect(JSON.parse(config)).toMatchObject({
      storage: join(registry.dir, "storage"),
      listen: `127.0.0.1:${registry.port}`,
      web: { enable: false },
      packages: { "@rehearsal-test/*": { publish: "$all" }, "**": {} },
    });
    expect(JSON.parse(config).packages["@rehearsal-test/*"]).not.toHaveProperty("proxy");
    expect(JSON.parse(config).packages["**"]).not.toHaveProperty("proxy");
    // A package that was never published is a 404, not a trip to the public registry.
    expect((await fetch(`${registry.url}left-pad`)).status).toBe(404);
  });

  it("publishes a package with the dummy token and installs it in a consumer", async () => {
    const pkg = join(work, "tiny");
    await mkdir(pkg);
    await writeFile(
      join(pkg, "package.json"),
      JSON.stringify({ name: "@rehearsal-test/tiny", version: "1.2.3", main: "index.js", license: "MIT" }),
    );
    await writeFile(join(pkg, "index.js"), "exports.answer = 42;\n");
    await npm(pkg, ["publish", `--registry=${registry.url}`, registry.authFlag]);

    const meta = (await (await fetch(`${registry.url}@rehearsal-test%2ftiny`)).json()) as {
      "dist-tags": Record<string, string>;
    };
    expect(meta["dist-tags"]["latest"]).toBe("1.2.3");
    expect(existsSync(join(registry.dir, "storage", "@rehearsal-test", "tiny"))).toBe(true);

    const consumer = join(work, "consumer");
    await mkdir(consumer);
    await writeFile(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
    await writeFile(join(consumer, ".npmrc"), registry.npmrc("@rehearsal-test", { auth: false }));
    await npm(consumer, ["install", "@rehearsal-test/tiny"]);
    expect(await readdir(join(consumer, "node_modules", "@rehearsal-test"))).toEqual(["tiny"]);
    const { stdout } = await run(process.execPath, ["-p", 'require("@rehearsal-test/tiny").answer'], {
      cwd: consumer,
    });
    expect(stdout.trim()).toBe("42");
  }, 60_000);

  it("stops the server and removes its folder", async () => {
    const other = await startRegistry({ local: ["@rehearsal-test/*"], uplink: null });
    const { url, dir, pid } = other;
    await other.stop();
    expect(existsSync(dir)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(fetch(`${url}-/ping`)).rejects.toThrow();
  }, 60_000);
});
