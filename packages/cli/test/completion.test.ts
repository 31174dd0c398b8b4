import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stomicsDefinition } from "@sciportals/stomics";
import { describe, expect, it } from "vitest";
import { run, tempHome } from "./run.js";

describe("sciportals completion", { timeout: 30_000 }, () => {
  it("bash completes operations and enum values from the metadata", async () => {
    const home = tempHome();
    const script = await run(["completion", "bash"], home);
    expect(script.status).toBe(0);
    const file = join(home.HOME, "sciportals.bash");
    writeFileSync(file, script.stdout);
    const complete = (...words: string[]) =>
      spawnSync(
        "bash",
        [
          "-c",
          `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _sciportals; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: "utf8" },
      ).stdout.trim();
    expect(complete("sciportals", "stomics", "list-d").split(" ").sort()).toEqual([
      "list-dataset-files",
      "list-datasets",
    ]);
    expect(complete("sciportals", "stomics", "list-datasets", "--output", "")).toBe("table json ndjson");
    expect(complete("sciportals", "brainstem", "lo")).toContain("load");
  });

  it("zsh and fish scripts name every operation; an unknown shell is a usage error", async () => {
    const home = tempHome();
    const zsh = await run(["completion", "zsh"], home);
    const fish = await run(["completion", "fish"], home);
    expect(zsh.stdout).toContain("bashcompinit");
    for (const meta of Object.values(stomicsDefinition().operations)) {
      const name = meta.id.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
      expect(zsh.stdout).toContain(name);
      expect(fish.stdout).toContain(`-a '${name}'`);
    }
    expect(fish.stdout).toContain("-l per-page -r");
    expect((await run(["completion", "tcsh"], home)).status).toBe(2);
  });
});
