/** The client's own members: an operation must never take one of these names. */
export const clientMembers = [
  "paginate",
  "download",
  "head",
  "upload",
  "waitFor",
  "auth",
  "GET",
  "PUT",
  "POST",
  "DELETE",
  "OPTIONS",
  "HEAD",
  "PATCH",
  "TRACE",
  "use",
  "eject",
  "title",
  "baseUrl",
  "toJSON",
];

export const baseUrl = "https://corpus.test/base";

const words = (name: string) => name.split("-").filter(Boolean);
export const pascal = (name: string) =>
  words(name)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
const camel = (name: string) => pascal(name)[0]!.toLowerCase() + pascal(name).slice(1);

export interface OperationMeta {
  id: string;
  method: string;
  path: string;
}

/** The generated client's operations, by method name: `<camel>Definition().operations`. */
export function operationsOut(mod: Record<string, unknown>, name: string): Record<string, OperationMeta> {
  const definition = mod[`${camel(name)}Definition`];
  if (typeof definition !== "function")
    throw new Error(
      `the package exports no ${camel(name)}Definition(); it exports ${Object.keys(mod).join(", ")}`,
    );
  return (definition() as { operations: Record<string, OperationMeta> }).operations;
}

export function createClient(mod: Record<string, unknown>, name: string, options: Record<string, unknown>) {
  const factory = mod[`create${pascal(name)}Client`];
  if (typeof factory !== "function") throw new Error(`the package exports no create${pascal(name)}Client()`);
  return factory(options) as Record<string, unknown>;
}

/**
 * A credential for every security scheme that goes in a header, through core's `credentials`
 * option: the option names codegen derives are its own business, the schemes are the spec's.
 */
export function credentialsFor(doc: Record<string, any>): Record<string, unknown> {
  const credentials: Record<string, unknown> = {};
  for (const [scheme, def] of Object.entries<Record<string, string>>(doc.components?.securitySchemes ?? {})) {
    let applied: { header: string; value: string } | undefined;
    if (def.type === "http" && def.scheme?.toLowerCase() === "bearer")
      applied = { header: "Authorization", value: "Bearer corpus-token" };
    else if (def.type === "http" && def.scheme?.toLowerCase() === "basic")
      applied = { header: "Authorization", value: "Basic Y29ycHVzOnRva2Vu" };
    else if (def.type === "apiKey" && def.in === "header")
      applied = { header: def.name!, value: "corpus-key" };
    if (applied) credentials[scheme] = { get: () => applied };
  }
  return credentials;
}
