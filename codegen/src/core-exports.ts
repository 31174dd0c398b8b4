import { readFile } from "node:fs/promises";
import ts from "typescript";

/**
 * The names core's main entry exports, read with the TypeScript parser (syntax only, no type
 * check): portal packages re-export core, so a generated model must not reuse one of them.
 */
export async function coreExports(repoRoot: string): Promise<Set<string>> {
  const file = `${repoRoot}/packages/core/src/index.ts`;
  const source = ts.createSourceFile(file, await readFile(file, "utf8"), ts.ScriptTarget.Latest);
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (
      ts.isExportDeclaration(statement) &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    )
      for (const element of statement.exportClause.elements) names.add(element.name.text);
    else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement)) &&
      statement.name &&
      statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
    )
      names.add(statement.name.text);
  }
  return names;
}
