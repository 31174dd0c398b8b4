import { createHash } from "node:crypto";
import { BUMPS, highestBump, phraseOf, type Bump, type SpecChange } from "./changes.js";

export interface ChangesetInput {
  /** npm name: `@sciportals/stomics`. */
  packageName: string;
  /** The spec, relative to the repository root. */
  specFile: string;
  /** What the changes are counted from, for the summary (`0.1.0`, or a git ref); omitted when new. */
  since?: string;
  changes: readonly SpecChange[];
}

export interface Changeset {
  /** `spec-stomics-1a2b3c4d.md`: the package and a hash of the content, so a rerun writes the same file. */
  fileName: string;
  content: string;
  bump: Bump;
}

const HEADINGS: Record<Bump, string> = {
  major: "Breaking changes (major)",
  minor: "Additions (minor)",
  patch: "Fixes and documentation (patch)",
};

/** How many operations or schemas to name before "and N more" (breaking changes name them all). */
const SHOWN = 3;
/** The same change in this many operations (or schemas) reads as one line. */
const GROUP_FROM = 3;
const OPERATION = /^((?:GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE) \S+)(.*)$/;
const SCHEMA = /^((?:request |response )?schema) "([^"]+)"$/;

function hash(content: string): string {
  return createHash("sha256").update(content).digest("hex").slice(0, 8);
}

/** The file name stem this tool uses for a package: `spec-stomics-`. */
export function changesetPrefix(packageName: string): string {
  const stem = packageName.replace(/^@[^/]+\//, "").replace(/[^A-Za-z0-9._-]+/g, "-");
  return `spec-${stem}-`;
}

/** The changesets this tool wrote for a package, among the names in `.changeset/`. */
export function ownChangesets(packageName: string, fileNames: readonly string[]): string[] {
  const prefix = changesetPrefix(packageName);
  return fileNames.filter(
    (name) => name.startsWith(prefix) && /^[0-9a-f]{8}\.md$/.test(name.slice(prefix.length)),
  );
}

/** True when the file is still exactly what this tool wrote (its name carries the content's hash). */
export function isUnedited(fileName: string, content: string): boolean {
  const match = /-([0-9a-f]{8})\.md$/.exec(fileName);
  return match !== null && match[1] === hash(content);
}

/** Markdown for one change: names and values become code spans, so no character is read as markup. */
export function changeLine(change: SpecChange): string {
  const usedBy = change.usedBy?.length ? ` (used by ${names(change.usedBy, change.bump)})` : "";
  return `- ${markdownLocation(change.location)}${usedBy}: ${codeSpans(phraseOf(change))}`;
}

function markdownLocation(location: string): string {
  const op = OPERATION.exec(location);
  return op ? code(op[1]!) + codeSpans(op[2]!) : codeSpans(location);
}

function names(list: readonly string[], bump: Bump): string {
  const shown = bump === "major" ? list.length : SHOWN;
  const more = list.length - shown;
  return list.slice(0, shown).map(code).join(", ") + (more > 0 ? ` and ${more} more` : "");
}

/**
 * The summary's lines for one class. The same change in many operations (an error response
 * documented everywhere) or many schemas reads as one line that names them.
 */
export function summaryLines(changes: readonly SpecChange[]): string[] {
  const groups = new Map<string, { template: string; subjects: string[]; members: SpecChange[] }>();
  changes.forEach((change, i) => {
    const op = OPERATION.exec(change.location);
    const schema = SCHEMA.exec(change.location);
    const template = op ? `op:${op[2]}` : schema ? `schema:${schema[1]}` : `single:${i}`;
    const key = [template, change.kind, change.detail ?? "", change.bump].join("\u0000");
    const group = groups.get(key) ?? { template, subjects: [], members: [] };
    group.subjects.push(op ? op[1]! : schema ? schema[2]! : change.location);
    group.members.push(change);
    groups.set(key, group);
  });
  const lines: string[] = [];
  for (const { template, subjects, members } of groups.values()) {
    const first = members[0]!;
    if (members.length < GROUP_FROM || template.startsWith("single:")) {
      lines.push(...members.map(changeLine));
    } else if (template.startsWith("op:")) {
      const rest = codeSpans(template.slice("op:".length).trim());
      const what = `${rest ? `${rest} in ` : ""}${members.length} operations`;
      lines.push(`- ${what} (${names(subjects, first.bump)}): ${codeSpans(phraseOf(first))}`);
    } else {
      const what = `${members.length} ${template.slice("schema:".length)}s`;
      lines.push(`- ${what} (${names(subjects, first.bump)}): ${codeSpans(phraseOf(first))}`);
    }
  }
  return lines;
}

function codeSpans(text: string): string {
  return text.replace(/"((?:[^"\\]|\\.)*)"/g, (_, inner: string) => code(inner.replace(/\\"/g, '"')));
}

function code(text: string): string {
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Renders the changeset: frontmatter with the bump, then the changes grouped by class. */
export function renderChangeset(input: ChangesetInput): Changeset {
  const bump = highestBump(input.changes);
  if (!bump) throw new Error(`no changes to describe for ${input.packageName}`);
  const added = input.changes.length === 1 && input.changes[0]!.kind === "package-added";
  const lines = ["---", `"${input.packageName}": ${bump}`, "---", ""];
  if (added) {
    lines.push(`New package, generated from \`${input.specFile}\`.`, "");
  } else {
    const since = input.since ? ` since ${input.since}` : "";
    lines.push(`Changes to the spec \`${input.specFile}\`${since}.`, "");
    for (const level of BUMPS) {
      const group = input.changes.filter((change) => change.bump === level);
      if (group.length === 0) continue;
      lines.push(`${HEADINGS[level]}:`, "", ...summaryLines(group), "");
    }
  }
  const content = lines.join("\n");
  return { fileName: `${changesetPrefix(input.packageName)}${hash(content)}.md`, content, bump };
}
