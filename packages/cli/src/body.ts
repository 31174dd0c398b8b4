import { readFile } from "node:fs/promises";
import { UsageError } from "./exit-codes.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The JSON body of `--body`: a literal (`'{"name":"x"}'`), `@file.json`, or `-` for stdin, as
 * curl reads `--data`.
 */
export async function readBody(spec: string): Promise<unknown> {
  let text: string;
  let source: string;
  if (spec === "-") {
    text = await readStdin();
    source = "stdin";
  } else if (spec.startsWith("@")) {
    source = spec.slice(1);
    try {
      text = await readFile(source, "utf8");
    } catch (error) {
      throw new UsageError(`--body: cannot read ${source}: ${(error as Error).message}`);
    }
  } else {
    text = spec;
    source = "--body";
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--body: ${source} is not JSON: ${(error as Error).message}`);
  }
}
