import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const packages = readdirSync(join(root, "packages")).filter((dir) => {
  const manifest = JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) as {
    private?: boolean;
  };
  return !manifest.private;
});

/**
 * The README's TypeScript blocks as one module: imports hoisted, a block that redeclares an
 * earlier name given its own scope, and `apiKey`/`token` as the placeholders they are in prose.
 */
function snippetModule(readme: string): string {
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const imports = new Set<string>();
  const declared = new Set<string>();
  const bodies: string[] = [];
  for (const block of blocks) {
    const lines = block.split("\n");
    for (const line of lines.filter((l) => /^import /.test(l))) imports.add(line);
    const body = lines.filter((l) => !/^import /.test(l)).join("\n");
    const names = [...body.matchAll(/^(?:const|let)\s+(?:\{([^}]*)\}|(\w+))/gm)].flatMap((m) =>
      m[1] ? m[1].split(",").map((n) => n.trim().split(":").pop()!.trim()) : [m[2]!],
    );
    const clash = names.some((n) => declared.has(n));
    names.forEach((n) => declared.add(n));
    bodies.push(clash ? `{\n${body}\n}` : body);
  }
  return `${[...imports].join("\n")}\ndeclare const apiKey: string;\nexport async function snippets() {\n${bodies.join("\n")}\n}\n`;
}

const readmes = [
  ...packages.map((dir) => ({ name: dir, path: join(root, "packages", dir, "README.md") })),
  { name: "root", path: join(root, "README.md") },
];

describe.each(readmes)("the $name README", ({ name: dir, path }) => {
  it("has TypeScript examples that compile against the built packages", () => {
    const readme = readFileSync(path, "utf8");
    const source = snippetModule(readme);
    const file = join(root, "tools/smoke/test", `__readme_${dir}.ts`);
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Preserve,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
      types: ["node"],
      skipLibCheck: true,
    };
    const host = ts.createCompilerHost(options);
    const read = host.readFile.bind(host);
    const exists = host.fileExists.bind(host);
    host.readFile = (name) => (name === file ? source : read(name));
    host.fileExists = (name) => name === file || exists(name);
    const getSource = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version) =>
      name === file ? ts.createSourceFile(name, source, version) : getSource(name, version);
    const program = ts.createProgram([file], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName === file)
      .map((d) => {
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        return `line ${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}\n  ${source.split("\n")[line]}`;
      });
    expect(problems).toEqual([]);
    expect(source).toContain("snippets");
  }, 60_000);
});
