/**
 * `npm run demo:live`: the demo's live path, twice in a row, against the sandboxes started as
 * independent servers (as `npm run sandbox` does). Each section then talks to a server through the
 * documented `*_BASE_URL` variables only, and the second run shows that a rerun against the same
 * server succeeds without clean-up. Its arguments (`--validate`) go to the demo.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  startBrainstemSandbox,
  startFlowSandbox,
  startOdmSandbox,
  startStomicsSandbox,
} from "@sciportals/sandbox";

const demo = join(dirname(fileURLToPath(import.meta.url)), "demo.ts");

async function main(): Promise<number> {
  const stomics = await startStomicsSandbox();
  const odm = await startOdmSandbox();
  const brainstem = await startBrainstemSandbox();
  const flow = await startFlowSandbox({ executionDurations: { pendingMs: 300, runningMs: 700 } });
  const sandboxes = { STOmics: stomics, "Genestack ODM": odm, BrainSTEM: brainstem, Flow: flow };
  try {
    const env = {
      ...process.env,
      STOMICS_BASE_URL: stomics.url,
      STOMICS_API_KEY: stomics.apiKey,
      GENESTACK_ODM_BASE_URL: odm.url,
      GENESTACK_API_TOKEN: odm.apiToken,
      BRAINSTEM_BASE_URL: brainstem.url,
      BRAINSTEM_API_TOKEN: brainstem.users.alice.token,
      BRAINSTEM_DEMO_PROJECT: brainstem.ids["project/visual"],
      FLOW_BASE_URL: flow.url,
      FLOW_USERNAME: flow.username,
      FLOW_PASSWORD: flow.password,
      FLOW_DEMO_PROJECT: flow.fixtures.privateProject,
      FLOW_DEMO_PIPELINE_VERSION: flow.fixtures.rnaseqVersion,
    };
    for (const run of [1, 2]) {
      console.log(`\n#### live demo, run ${run} of 2 ####`);
      // Asynchronous: the sandboxes live in this process and must go on answering.
      const code = await new Promise<number | null>((resolve) =>
        spawn(process.execPath, ["--import", "tsx", demo, ...process.argv.slice(2)], {
          env,
          stdio: "inherit",
        }).on("close", resolve),
      );
      if (code !== 0) {
        console.error(`live demo run ${run} failed (exit ${code})`);
        return 1;
      }
    }
    for (const [title, sandbox] of Object.entries(sandboxes))
      if (sandbox.violations.length) {
        console.error(`${title}: requests outside the spec: ${JSON.stringify(sandbox.violations)}`);
        return 1;
      }
    console.log("\nLive demo: both runs green, no request outside the specs.");
    return 0;
  } finally {
    await Promise.all(Object.values(sandboxes).map((s) => s.close()));
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
