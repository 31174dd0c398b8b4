import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { startStomicsSandbox, type StomicsSandbox } from "@sciportals/sandbox";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const bin = join(__dirname, "../dist/cli.mjs");

interface TextResult {
  isError?: boolean;
  content: { type: string; text?: string }[];
}

function textOf(result: unknown): string {
  const { content } = result as TextResult;
  return content.map((c) => c.text ?? "").join("\n");
}

/** Every tool result of a test, so the last check can look for the key in all of them. */
const seen: string[] = [];

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as TextResult;
  seen.push(textOf(result));
  return result;
}

describe("sciportals mcp stomics", () => {
  let sandbox: StomicsSandbox;
  let dir: string;
  const clients: Client[] = [];

  async function connect(...flags: string[]): Promise<Client> {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [bin, "mcp", "stomics", "--base-url", sandbox.url, "--download-dir", dir, ...flags],
      // Only what the server needs: the key comes the way the CLI documents, through the variable.
      env: { PATH: process.env.PATH ?? "", HOME: dir, STOMICS_API_KEY: sandbox.apiKey },
      stderr: "pipe",
    });
    const client = new Client({ name: "sciportals-test", version: "0.0.0" });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    sandbox = await startStomicsSandbox({ datasets: 45, bigFileBytes: 4096 });
    dir = await mkdtemp(join(tmpdir(), "sciportals-mcp-"));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists the read operations as tools with schemas and descriptions from the spec", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect([...byName.keys()].sort()).toEqual([
      "get-dataset",
      "get-dataset-expression",
      "get-dataset-file-download-url",
      "list-dataset-files",
      "list-datasets",
    ]);
    const list = byName.get("list-datasets")!;
    expect(list.description).toContain("List datasets");
    expect(list.description).toContain("continuationToken");
    const properties = list.inputSchema.properties as Record<string, { type?: string; description?: string }>;
    // The page number is the continuation token's job; the page size stays the agent's to choose.
    expect(Object.keys(properties)).not.toContain("page");
    expect(properties.per_page?.type).toBe("integer");
    expect(properties.continuationToken?.type).toBe("string");
    expect(properties.q?.description).toContain("Free-text search");
    const get = byName.get("get-dataset")!;
    expect(get.inputSchema.required).toEqual(["accession"]);
    expect(get.annotations?.readOnlyHint).toBe(true);
    expect(byName.get("get-dataset-file-download-url")!.inputSchema.properties).toHaveProperty("fileName");
  });

  it("returns one page and a continuation token that gets the next", async () => {
    const client = await connect();
    const first = await call(client, "list-datasets", {
      per_page: 20,
      sort_by: "accession",
      sort_order: "asc",
    });
    expect(first.isError).toBeFalsy();
    const page1 = JSON.parse(textOf(first)) as {
      items: { accession: string }[];
      total: number;
      continuationToken: string;
    };
    expect(page1.items).toHaveLength(20);
    expect(page1.total).toBe(45);
    expect(page1.continuationToken).toEqual(expect.any(String));

    const second = await call(client, "list-datasets", {
      per_page: 20,
      sort_by: "accession",
      sort_order: "asc",
      continuationToken: page1.continuationToken,
    });
    const page2 = JSON.parse(textOf(second)) as {
      items: { accession: string }[];
      continuationToken: string | null;
    };
    const expected = [...sandbox.catalog].sort((a, b) => a.accession.localeCompare(b.accession));
    expect(page1.items.map((d) => d.accession)).toEqual(expected.slice(0, 20).map((d) => d.accession));
    expect(page2.items.map((d) => d.accession)).toEqual(expected.slice(20, 40).map((d) => d.accession));

    const third = await call(client, "list-datasets", {
      per_page: 20,
      sort_by: "accession",
      sort_order: "asc",
      continuationToken: page2.continuationToken,
    });
    const page3 = JSON.parse(textOf(third)) as { items: unknown[]; continuationToken: string | null };
    expect(page3.items).toHaveLength(5);
    expect(page3.continuationToken).toBeNull();
  });

  it("bounds a page whatever size the agent asks for, and sizes it when the agent does not", async () => {
    const client = await connect();
    const huge = await call(client, "list-datasets", { per_page: 10_000 });
    expect(sandbox.requests.at(-1)?.query).toContain("per_page=100");
    expect((JSON.parse(textOf(huge)) as { items: unknown[] }).items).toHaveLength(45);
    const unsized = await call(client, "list-datasets", {});
    expect(sandbox.requests.at(-1)?.query).toContain("per_page=20");
    expect((JSON.parse(textOf(unsized)) as { items: unknown[] }).items).toHaveLength(20);
  });

  it("downloads a file into the directory and nowhere else", async () => {
    const client = await connect();
    const dataset = sandbox.catalog[0]!;
    const file = dataset.files[0]!;
    const result = await call(client, "get-dataset-file-download-url", {
      accession: dataset.accession,
      file_id: file.id,
      fileName: "matrix.h5ad",
    });
    expect(result.isError).toBeFalsy();
    const saved = JSON.parse(textOf(result)) as { path: string; size: number };
    expect(saved.path).toBe(
      join(await import("node:fs/promises").then((fs) => fs.realpath(dir)), "matrix.h5ad"),
    );
    const bytes = await readFile(saved.path);
    const served = sandbox.fileContent(file.id).file;
    expect(saved.size).toBe(bytes.length);
    expect(bytes.length).toBe(served.size);
    const { createHash } = await import("node:crypto");
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(sandbox.fileContent(file.id).sha256());

    const before = await readdir(dir);
    for (const fileName of ["../escape.bin", "a/b.bin", "..", "sub\\x.bin"]) {
      const refused = await call(client, "get-dataset-file-download-url", {
        accession: dataset.accession,
        file_id: file.id,
        fileName,
      });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toContain("Refused file name");
    }
    expect(await readdir(dir)).toEqual(before);
    expect(await readdir(join(dir, ".."))).not.toContain("escape.bin");
  });

  it("reports portal errors as tool errors", async () => {
    const client = await connect();
    const result = await call(client, "get-dataset", { accession: "STD_NOPE" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/404|not found/i);
  });

  it("never shows the API key in a tool result", async () => {
    // A server given a wrong key through --token: the portal's refusal goes back as a tool error.
    const client = await connect("--token", "sk-wrong-key-abcdefghijkl");
    const refused = await call(client, "get-dataset", { accession: sandbox.catalog[0]!.accession });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).not.toContain("sk-wrong-key-abcdefghijkl");
    expect(seen.length).toBeGreaterThan(8);
    for (const text of seen) expect(text).not.toContain(sandbox.apiKey);
  });
});

describe("sciportals mcp without --allow-writes", () => {
  // Flow has write operations; nothing here reaches a server (listing is local, refusals happen
  // before any request), so the base URL is a closed local port.
  async function connectFlow(...flags: string[]): Promise<Client> {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        bin,
        "mcp",
        "flow",
        "--base-url",
        "http://127.0.0.1:9",
        "--token",
        "flow-token-0123456789",
        ...flags,
      ],
      env: { PATH: process.env.PATH ?? "", HOME: tmpdir() },
      stderr: "pipe",
    });
    const client = new Client({ name: "sciportals-test", version: "0.0.0" });
    await client.connect(transport);
    return client;
  }

  it("leaves write tools out and refuses them by name, with the flag to use", async () => {
    const client = await connectFlow();
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain("list-owned-data");
      expect(names).not.toContain("delete-data");
      // Authentication operations carry passwords and tokens: never tools.
      expect(names).not.toContain("login");
      expect(names).not.toContain("refresh-token");
      const refused = (await client.callTool({ name: "delete-data", arguments: {} })) as TextResult;
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toContain("--allow-writes");
    } finally {
      await client.close();
    }
  });

  it("lists write tools with --allow-writes", async () => {
    const client = await connectFlow("--allow-writes");
    try {
      const tools = (await client.listTools()).tools;
      const del = tools.find((t) => t.name === "delete-data");
      expect(del?.annotations?.readOnlyHint).toBe(false);
      expect(tools.map((t) => t.name)).not.toContain("login");
    } finally {
      await client.close();
    }
  });
});
