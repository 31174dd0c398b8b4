/** Requests with IDs the server's URLconf rejects: 404 before routing, as Django answers. */
import { deref, isObject, objectAt, operations, stringAt, type JsonObject } from "@sciportals/codegen/spec";
import type { HandlerResult } from "../spec-router.js";
import { BARE_404, NOT_FOUND } from "./replies.js";

/** A path template: its parameters' names and patterns, and its operations by method. */
interface Template {
  names: string[];
  regex: RegExp;
  patterns: Map<string, RegExp>;
  ops: Map<string, JsonObject>;
}
/**
 * Django's URLconf matches IDs by pattern, so a request that fits a template only with an ID the
 * pattern refuses is a 404 before any view runs: bare where the operation's 404 is bare.
 */
export function unroutableFor(
  spec: JsonObject,
): (pathname: string, method: string) => HandlerResult | undefined {
  const templates = new Map<string, Template>();
  for (const { path, method, op } of operations(spec)) {
    let template = templates.get(path);
    if (!template) {
      const names: string[] = [];
      const regex = new RegExp(
        `^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_m, name: string) => {
          names.push(name);
          return "([^/]+)";
        })}$`,
      );
      template = { names, regex, patterns: new Map(), ops: new Map() };
      templates.set(path, template);
    }
    template.ops.set(method, op);
    for (const raw of Array.isArray(op.parameters) ? op.parameters : []) {
      const param = deref(spec, raw);
      if (!isObject(param) || param.in !== "path") continue;
      const pattern = stringAt(deref(spec, param.schema), "pattern");
      if (pattern) template.patterns.set(String(param.name), new RegExp(pattern));
    }
  }

  /** A request whose path fits a template only with an ID the URLconf would not match: 404, as Django answers. */
  function unroutable(pathname: string, method: string): HandlerResult | undefined {
    let shape: Template | undefined;
    for (const t of templates.values()) {
      const m = t.regex.exec(pathname);
      if (!m) continue;
      const valid = t.names.every((name, i) => {
        const pattern = t.patterns.get(name);
        let value: string;
        try {
          value = decodeURIComponent(m[i + 1]!);
        } catch {
          return false;
        }
        return !pattern || pattern.test(value);
      });
      if (valid) return undefined;
      shape ??= t;
    }
    if (!shape) return undefined;
    const op = shape.ops.get(method.toLowerCase() === "head" ? "get" : method.toLowerCase());
    const notFound = stringAt(objectAt(objectAt(op, "responses"), "404"), "$ref");
    return notFound?.endsWith("NotFoundNoBody") ? BARE_404 : NOT_FOUND;
  }

  return unroutable;
}
