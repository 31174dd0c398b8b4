import type { RateLimitOptions } from "../../../packages/core/src/rate-limiter.js";
import { isObject } from "../spec/json.js";
import { asObject, checkFields } from "./fields.js";
import type { Extension } from "./types.js";

/** The document root's `x-sciportals` block. Every field has a default (see codegen/EXTENSIONS.md). */
export interface RootExtension {
  /** npm name; default `@sciportals/<folder>`. */
  package?: string;
  /** PascalCase stem of the factory and types; default from the package folder. */
  name?: string;
  /** How errors and docs name the portal; default `info.title`. */
  title?: string;
  /** Environment variable that overrides the base URL in Node. */
  baseUrlEnv?: string;
  /** The portal's published request budget. */
  rateLimit?: { limit: number; intervalSeconds: number };
}

export const root: Extension<RootExtension> = {
  key: "x-sciportals",
  place: "root",
  check(value, { at }) {
    const problems = checkFields(
      value,
      at,
      {},
      { package: "string", name: "string", title: "string", baseUrlEnv: "string", rateLimit: "object" },
    );
    if (!isObject(value)) return problems;
    if (typeof value.package === "string" && !/^(@[a-z0-9-]+\/)?[a-z0-9][a-z0-9.-]*$/.test(value.package))
      problems.push(`${at}/package: must be an npm package name`);
    if (typeof value.name === "string" && !/^[A-Z][A-Za-z0-9]*$/.test(value.name))
      problems.push(`${at}/name: must be PascalCase`);
    if (isObject(value.rateLimit))
      problems.push(
        ...checkFields(value.rateLimit, `${at}/rateLimit`, { limit: "number", intervalSeconds: "number" }),
      );
    return problems;
  },
  read: (value) => asObject<RootExtension>(value),
};

/** The rate limit as core takes it. */
export function rateLimitOf(block: RootExtension): RateLimitOptions | undefined {
  const rate = block.rateLimit;
  return rate ? { limit: rate.limit, intervalMs: rate.intervalSeconds * 1000 } : undefined;
}
