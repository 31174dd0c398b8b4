import { resolve } from "node:path";

/**
 * Formats a file's text with the repository's Prettier settings. Prettier loads on first use
 * only: generated `.gen.ts` files are printed ready, and most runs format nothing.
 */
export async function prettierFormat(
  repoRoot: string,
  path: string,
  text: string,
  parser?: string,
): Promise<string> {
  const { format, resolveConfig } = await import("prettier");
  const config = (await resolveConfig(resolve(repoRoot, path))) ?? {};
  return format(text, { ...config, filepath: path, ...(parser ? { parser } : {}) });
}

/** A Markdown table's cells without the padding Prettier adds, to compare tables by content. */
export function tableCells(markdown: string): string {
  return markdown
    .split("\n")
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replace(/^:?-+:?$/, "-"))
        .join("|"),
    )
    .filter((line) => line !== "")
    .join("\n");
}
