/**
 * The subset of ODM's filter and query syntax that the sandbox understands.
 *
 * Filters (`filter`, `studyFilter`, `sampleFilter`, ..., `exFilter`, and the data queries
 * `exQuery`, `vxQuery`, `fxQuery`):
 *
 * - a comparison is `key OP value`, with OP one of `=`, `!=`, `<`, `>`, `<=`, `>=` and `=~`
 *   (substring, case-insensitive); keys and values are bare words or `"quoted strings"`
 *   (`\"` and `\\` escape inside quotes);
 * - a bare value may list alternatives separated by `,` or `|` (`feature=A,B`, `ReadoutType=Median|Count`);
 *   a quoted value is taken literally;
 * - `=` and `!=` compare numbers numerically and strings case-insensitively; `<`, `>`, `<=`, `>=`
 *   need numbers on both sides; a multi-valued attribute matches if any of its values does;
 * - comparisons combine with `AND`/`&&` (also implied by juxtaposition, as in
 *   `feature=X value>=1.5`), `OR`/`||`, `NOT`/`!` and parentheses; `exists(KEY)` is true when the
 *   attribute is present;
 * - not supported: chained comparisons (`-3 < value.FC < 3`), dictionary-term expansion
 *   (`searchSpecificTerms`), wildcards.
 *
 * Full-text queries (`query`, `studyQuery`, ...): words and `"quoted phrases"`; an object matches
 * when every word or phrase occurs (case-insensitively) in one of its attribute values.
 */

export class QuerySyntaxError extends Error {}

type Comparator = "=" | "!=" | "<" | ">" | "<=" | ">=" | "=~";

export type FilterNode =
  | { op: "and" | "or"; left: FilterNode; right: FilterNode }
  | { op: "not"; expr: FilterNode }
  | { op: "exists"; key: string }
  | { op: "cmp"; key: string; cmp: Comparator; values: string[] };

type Token =
  | { kind: "word"; text: string }
  | { kind: "string"; text: string }
  | { kind: "cmp"; text: Comparator }
  | { kind: "(" | ")" | "and" | "or" | "not" };

const STOP = new Set([" ", "\t", "\n", "\r", "(", ")", '"', "=", "!", "<", ">"]);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const two = text.slice(i, i + 2);
    if (/\s/.test(c)) i++;
    else if (c === "(" || c === ")") {
      tokens.push({ kind: c });
      i++;
    } else if (two === "&&") {
      tokens.push({ kind: "and" });
      i += 2;
    } else if (two === "||") {
      tokens.push({ kind: "or" });
      i += 2;
    } else if (two === "!=" || two === "<=" || two === ">=" || two === "=~") {
      tokens.push({ kind: "cmp", text: two });
      i += 2;
    } else if (c === "=" || c === "<" || c === ">") {
      tokens.push({ kind: "cmp", text: c });
      i++;
    } else if (c === "!") {
      tokens.push({ kind: "not" });
      i++;
    } else if (c === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new QuerySyntaxError(`unterminated quoted string in: ${text}`);
        const d = text[i]!;
        if (d === "\\" && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ kind: "string", text: value });
    } else {
      let word = "";
      while (i < text.length && !STOP.has(text[i]!) && !["&&", "||"].includes(text.slice(i, i + 2))) {
        word += text[i];
        i++;
      }
      if (word === "AND") tokens.push({ kind: "and" });
      else if (word === "OR") tokens.push({ kind: "or" });
      else if (word === "NOT") tokens.push({ kind: "not" });
      else tokens.push({ kind: "word", text: word });
    }
  }
  return tokens;
}

/** Parses a filter expression; throws QuerySyntaxError with a message fit for a 400. */
export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position];
  const fail = (what: string): never => {
    throw new QuerySyntaxError(`${what} at token ${position + 1} of filter: ${text}`);
  };

  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (peek()?.kind === "or") {
      position++;
      left = { op: "or", left, right: parseAnd() };
    }
    return left;
  };
  const startsUnary = (t: Token | undefined) =>
    t !== undefined && (t.kind === "word" || t.kind === "string" || t.kind === "(" || t.kind === "not");
  const parseAnd = (): FilterNode => {
    let left = parseUnary();
    for (;;) {
      const t = peek();
      if (t?.kind === "and") {
        position++;
        left = { op: "and", left, right: parseUnary() };
      } else if (startsUnary(t)) {
        left = { op: "and", left, right: parseUnary() };
      } else return left;
    }
  };
  const parseUnary = (): FilterNode => {
    const t = peek();
    if (!t) return fail("unexpected end");
    if (t.kind === "not") {
      position++;
      return { op: "not", expr: parseUnary() };
    }
    if (t.kind === "(") {
      position++;
      const inner = parseOr();
      if (peek()?.kind !== ")") fail("missing )");
      position++;
      return inner;
    }
    if (t.kind === "word" && t.text.toLowerCase() === "exists" && tokens[position + 1]?.kind === "(") {
      const key = tokens[position + 2];
      if (!key || (key.kind !== "word" && key.kind !== "string") || tokens[position + 3]?.kind !== ")")
        fail("malformed exists()");
      position += 4;
      return { op: "exists", key: (key as { text: string }).text };
    }
    if (t.kind !== "word" && t.kind !== "string") return fail("expected an attribute name");
    position++;
    const cmp = peek();
    if (cmp?.kind !== "cmp") return fail(`expected a comparison after ${t.text}`);
    position++;
    const value = peek();
    if (!value || (value.kind !== "word" && value.kind !== "string"))
      return fail(`expected a value after ${t.text}${cmp.text}`);
    position++;
    if (peek()?.kind === "cmp") fail("chained comparisons are not supported");
    const values = value.kind === "string" ? [value.text] : value.text.split(/[,|]/).filter((v) => v !== "");
    return { op: "cmp", key: t.text, cmp: cmp.text, values };
  };

  if (tokens.length === 0) fail("empty filter");
  const node = parseOr();
  if (position < tokens.length) fail("unexpected token");
  return node;
}

const isNumeric = (v: unknown) =>
  typeof v === "number" || (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)));

function compare(actual: unknown, cmp: Comparator, expected: string): boolean {
  if (actual === null || actual === undefined) return false;
  if (cmp === "=~") return String(actual).toLowerCase().includes(expected.toLowerCase());
  if (cmp === "=" || cmp === "!=") {
    if (isNumeric(actual) && isNumeric(expected)) return Number(actual) === Number(expected);
    return String(actual).toLowerCase() === expected.toLowerCase();
  }
  if (!isNumeric(actual) || !isNumeric(expected)) return false;
  const a = Number(actual);
  const b = Number(expected);
  return cmp === "<" ? a < b : cmp === ">" ? a > b : cmp === "<=" ? a <= b : a >= b;
}

/** How a filter sees one object: the values of an attribute (empty when absent). */
export interface FilterSubject {
  values(key: string): unknown[];
  /** Optional special keys (e.g. `region` on variants): a boolean, or undefined to fall back. */
  special?(key: string, cmp: Comparator, values: string[]): boolean | undefined;
}

export function evaluate(node: FilterNode, subject: FilterSubject): boolean {
  switch (node.op) {
    case "and":
      return evaluate(node.left, subject) && evaluate(node.right, subject);
    case "or":
      return evaluate(node.left, subject) || evaluate(node.right, subject);
    case "not":
      return !evaluate(node.expr, subject);
    case "exists":
      return subject.values(node.key).some((v) => v !== null && v !== undefined);
    case "cmp": {
      const special = subject.special?.(node.key, node.cmp, node.values);
      if (special !== undefined) return special;
      const actual = subject.values(node.key);
      if (node.cmp === "!=") return !actual.some((a) => node.values.some((v) => compare(a, "=", v)));
      return actual.some((a) => node.values.some((v) => compare(a, node.cmp, v)));
    }
  }
}

/** Attribute values of a metadata map: an exact key, else a case-insensitive one; lists are flattened. */
export function metadataSubject(attrs: Record<string, unknown>): FilterSubject {
  return {
    values(key) {
      let value = attrs[key];
      if (value === undefined) {
        const found = Object.keys(attrs).find((k) => k.toLowerCase() === key.toLowerCase());
        value = found === undefined ? undefined : attrs[found];
      }
      if (value === undefined) return [];
      return Array.isArray(value) ? value : [value];
    },
  };
}

/** Parses a full-text query into lower-cased terms (words and quoted phrases). */
export function parseFullText(text: string): string[] {
  const terms: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let phrase = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new QuerySyntaxError(`unterminated quoted phrase in query: ${text}`);
        const d = text[i]!;
        if (d === "\\" && i + 1 < text.length) {
          phrase += text[i + 1];
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          phrase += d;
          i++;
        }
      }
      if (phrase.trim()) terms.push(phrase.toLowerCase());
    } else {
      let word = "";
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === "\\" && i + 1 < text.length) {
          word += text[i + 1];
          i += 2;
        } else {
          word += text[i];
          i++;
        }
      }
      terms.push(word.toLowerCase());
    }
  }
  return terms;
}

function flatten(value: unknown, out: string[]) {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) value.forEach((v) => flatten(v, out));
  else if (typeof value === "object") Object.values(value).forEach((v) => flatten(v, out));
  else out.push(String(value).toLowerCase());
}

/** True when every term occurs in some attribute value. */
export function fullTextMatches(terms: string[], attrs: Record<string, unknown>): boolean {
  const values: string[] = [];
  flatten(attrs, values);
  return terms.every((term) => values.some((v) => v.includes(term)));
}

/** A predicate for a metadata map from optional `filter` and `query` texts (both must hold). */
export function metadataPredicate(
  filter: string | undefined,
  query: string | undefined,
): ((attrs: Record<string, unknown>) => boolean) | undefined {
  const node = filter ? parseFilter(filter) : undefined;
  const terms = query ? parseFullText(query) : undefined;
  if (!node && !terms) return undefined;
  return (attrs) =>
    (!node || evaluate(node, metadataSubject(attrs))) && (!terms || fullTextMatches(terms, attrs));
}
