/**
 * `npm run demo`: runs each portal's quick start against the local sandbox portals, or against
 * a real service when its credentials are in the environment (STOMICS_API_KEY, ...).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBrainstemClient } from "@sciportals/brainstem";
import { createFlowClient } from "@sciportals/flow";
import { createGenestackOdmClient } from "@sciportals/genestack-odm";
import {
  startBrainstemSandbox,
  startFlowSandbox,
  startOdmSandbox,
  startStomicsSandbox,
} from "@sciportals/sandbox";
import { runCliQuickstart } from "./cli.js";
import { runFlowQuickstart } from "./flow.js";
import { runBrainstemQuickstart } from "./brainstem.js";
import { runOdmQuickstart } from "./odm.js";
import { createStomicsClient, runStomicsQuickstart } from "./stomics.js";

interface Section {
  title: string;
  run(outDir: string): Promise<void>;
}

const stomics: Section = {
  title: "STOmics",
  async run(outDir) {
    if (process.env.STOMICS_API_KEY) {
      const client = createStomicsClient(); // reads STOMICS_API_KEY and STOMICS_BASE_URL
      console.log(`(live: ${client.baseUrl})`);
      // On a real portal, take the smallest file whose size the catalog knows.
      await runStomicsQuickstart(client, {
        outDir,
        pickFile: (files) =>
          files.filter((f) => f.size_bytes !== null).sort((a, b) => a.size_bytes! - b.size_bytes!)[0],
      });
      return;
    }
    const sandbox = await startStomicsSandbox();
    try {
      console.log(`(sandbox: ${sandbox.url}; set STOMICS_API_KEY to use the real portal)`);
      const client = createStomicsClient({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, env: false });
      await runStomicsQuickstart(client, {
        outDir,
        pickFile: (files) => files.find((f) => f.file_type === "h5ad"),
      });
      if (sandbox.violations.length)
        throw new Error(`the sandbox saw requests outside the spec: ${JSON.stringify(sandbox.violations)}`);
    } finally {
      await sandbox.close();
    }
  },
};

const odm: Section = {
  title: "Genestack ODM",
  async run(outDir) {
    if (
      process.env.GENESTACK_ODM_BASE_URL &&
      (process.env.GENESTACK_API_TOKEN || process.env.GENESTACK_ACCESS_TOKEN)
    ) {
      const client = createGenestackOdmClient(); // reads GENESTACK_ODM_BASE_URL and the token variables
      console.log(`(live: ${client.baseUrl})`);
      await runOdmQuickstart(client, {
        outDir,
        importMetadataLink: process.env.GENESTACK_ODM_DEMO_IMPORT_LINK,
      });
      return;
    }
    const sandbox = await startOdmSandbox();
    try {
      console.log(
        `(sandbox: ${sandbox.url}; set GENESTACK_ODM_BASE_URL and GENESTACK_API_TOKEN to use a real server)`,
      );
      const client = createGenestackOdmClient({
        baseUrl: sandbox.url,
        apiToken: sandbox.apiToken,
        env: false,
      });
      await runOdmQuickstart(client, {
        outDir,
        forceCut: (accession, afterBytes) => sandbox.cutNextDownload(afterBytes, { accession }),
        importMetadataLink: "https://data.example.org/demo/samples.tsv",
      });
      if (sandbox.violations.length)
        throw new Error(`the sandbox saw requests outside the spec: ${JSON.stringify(sandbox.violations)}`);
    } finally {
      await sandbox.close();
    }
  },
};

const brainstem: Section = {
  title: "BrainSTEM",
  async run() {
    if (process.env.BRAINSTEM_BASE_URL && process.env.BRAINSTEM_API_TOKEN) {
      const client = createBrainstemClient(); // reads BRAINSTEM_BASE_URL and BRAINSTEM_API_TOKEN
      console.log(`(live: ${client.baseUrl})`);
      await runBrainstemQuickstart(client, { writableProject: process.env.BRAINSTEM_DEMO_PROJECT });
      return;
    }
    // autoApprove: the sandbox approves the device flow as alice, as a person would on its page.
    const sandbox = await startBrainstemSandbox({ deviceIntervalSeconds: 1, autoApprove: "alice" });
    try {
      console.log(
        `(sandbox: ${sandbox.url}; set BRAINSTEM_BASE_URL and BRAINSTEM_API_TOKEN to use the real portal)`,
      );
      const client = createBrainstemClient({ baseUrl: sandbox.url, env: false });
      // Sign in as a person would: the device flow shows a code to approve in the browser.
      await client.auth.deviceLogin({
        body: { client_name: "sciportals-demo" },
        onPrompt: ({ userCode, verificationUri }) =>
          console.log(`Open ${verificationUri} and enter the code ${userCode} (the sandbox approves it)`),
      });
      console.log("Signed in with the device flow");
      await runBrainstemQuickstart(client, { writableProject: sandbox.ids["project/visual"] });
      if (sandbox.violations.length)
        throw new Error(`the sandbox saw requests outside the spec: ${JSON.stringify(sandbox.violations)}`);
    } finally {
      await sandbox.close();
    }
  },
};

const flow: Section = {
  title: "Flow",
  async run(outDir) {
    if (process.env.FLOW_BASE_URL && process.env.FLOW_USERNAME && process.env.FLOW_PASSWORD) {
      const client = createFlowClient({
        username: process.env.FLOW_USERNAME,
        password: process.env.FLOW_PASSWORD,
      });
      console.log(`(live: ${client.baseUrl})`);
      await runFlowQuickstart(client, {
        outDir,
        fastqBytes: 20 * 1024 * 1024,
        project: process.env.FLOW_DEMO_PROJECT,
        pipelineVersion: process.env.FLOW_DEMO_PIPELINE_VERSION,
      });
      return;
    }
    const sandbox = await startFlowSandbox({ executionDurations: { pendingMs: 300, runningMs: 700 } });
    try {
      console.log(
        `(sandbox: ${sandbox.url}; set FLOW_BASE_URL, FLOW_USERNAME and FLOW_PASSWORD to use a real server)`,
      );
      const client = createFlowClient({
        baseUrl: sandbox.url,
        username: sandbox.username,
        password: sandbox.password,
        env: false,
      });
      await runFlowQuickstart(client, {
        outDir,
        fastqBytes: 24 * 1024 * 1024,
        project: sandbox.fixtures.privateProject,
        pipelineVersion: sandbox.fixtures.rnaseqVersion,
      });
      if (sandbox.violations.length)
        throw new Error(`the sandbox saw requests outside the spec: ${JSON.stringify(sandbox.violations)}`);
    } finally {
      await sandbox.close();
    }
  },
};

const cli: Section = {
  title: "The sciportals command",
  async run(outDir) {
    if (process.env.STOMICS_API_KEY) {
      const client = createStomicsClient();
      console.log(`(live: ${client.baseUrl})`);
      // On a real portal, the three smallest files (of known size, under 50 MB) of the first match.
      const [dataset] = (await client.listDatasets({ query: { q: "brain", per_page: 1 } })).items;
      if (!dataset) throw new Error("the portal found no dataset about brain");
      const files = (await client.listDatasetFiles({ path: { accession: dataset.accession } }))
        .filter((f) => f.size_bytes !== null && f.size_bytes < 50e6)
        .sort((a, b) => a.size_bytes! - b.size_bytes!)
        .slice(0, 3);
      await runCliQuickstart({
        outDir,
        env: {},
        files: files.map((f) => `${dataset.accession}/${f.id}`),
      });
      return;
    }
    const sandbox = await startStomicsSandbox({ bigFileBytes: 8 * 1024 * 1024 });
    try {
      console.log(
        `(sandbox: ${sandbox.url}; a connection cut mid-file and a 429 on the way, which the command rides out)`,
      );
      const datasets = sandbox.catalog.slice(0, 5);
      // Faults a user's network and a busy portal would bring: the command resumes and waits.
      sandbox.storage.faults
        .cutNext(2 * 1024 * 1024, 1, (req) => String(req.url).includes(`${datasets[0]!.accession}_matrix`))
        .failNext(1, {
          status: 429,
          retryAfter: 1,
          match: (req) => String(req.url).includes(datasets[3]!.accession),
        });
      await runCliQuickstart({
        outDir,
        env: { STOMICS_BASE_URL: sandbox.url, STOMICS_API_KEY: sandbox.apiKey },
        files: datasets.flatMap((d) => d.files.map((f) => `${d.accession}/${f.id}`)),
      });
      if (sandbox.violations.length)
        throw new Error(`the sandbox saw requests outside the spec: ${JSON.stringify(sandbox.violations)}`);
    } finally {
      await sandbox.close();
    }
  },
};

async function main() {
  const outDir = await mkdtemp(join(tmpdir(), "sciportals-demo-"));
  const started = Date.now();
  try {
    for (const section of [stomics, odm, brainstem, flow, cli]) {
      console.log(`\n== ${section.title} ${"=".repeat(60 - section.title.length)}`);
      await section.run(outDir);
    }
    console.log(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(
    `\nDemo failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
  );
  process.exit(1);
});
