type Env = Record<string, string | undefined>;

interface DenoPermissions {
  querySync(descriptor: { name: "env"; variable?: string }): { state: string };
}

/**
 * The process environment as core reads it (credential variables, `SCIPORTALS_LOG`, the proxy
 * variables): `process.env` in Node and Bun, `{}` where there is no process (browsers). In Deno,
 * reading a variable the user did not grant (`--allow-env`, or `--allow-env=NAME,…`) throws, or
 * prompts on a terminal; core asks Deno first, without prompting, and reads such a variable as
 * unset, so that `--allow-env` is needed only for the variables a user wants read.
 */
export function processEnv(): Env {
  const env = (globalThis as { process?: { env?: Env } }).process?.env;
  if (!env) return {};
  const permissions = (globalThis as { Deno?: { permissions?: DenoPermissions } }).Deno?.permissions;
  if (typeof permissions?.querySync !== "function") return env;
  if (permissions.querySync({ name: "env" }).state === "granted") return env;
  const granted = (variable: string) => permissions.querySync({ name: "env", variable }).state === "granted";
  // Lookups by name only: listing the variables needs the whole environment.
  return new Proxy({} as Env, {
    get: (_, name) => (typeof name === "string" && granted(name) ? env[name] : undefined),
    has: (_, name) => typeof name === "string" && granted(name) && name in env,
  });
}
