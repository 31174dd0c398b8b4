import { ConfigurationError } from "./errors.js";
import { fileTokenStore } from "./file-token-store.js";
import type { TokenSet, TokenStore } from "./token-session.js";

/** What {@link portalTokenFileStore} needs of a scheme. */
interface TokenFileScheme {
  tokenFile?: string | undefined;
}

/**
 * The store behind `tokenStore: "file"`: the file where the portal's own tool caches its token
 * (the spec's `tokenFile`, `~` meaning the home directory), holding the bare token with mode 0600,
 * so one login serves both tools. Its token belongs to the scheme that names the file.
 */
export function portalTokenFileStore(
  portal: string,
  schemes: Readonly<Record<string, TokenFileScheme>>,
  env: Record<string, string | undefined>,
): TokenStore {
  const entry = Object.entries(schemes).find(([, s]) => s.tokenFile);
  if (!entry)
    throw new ConfigurationError(
      `${portal} names no token file of its own; pass tokenStore: fileTokenStore(path) from @sciportals/core/node.`,
      { portal, code: "unsupported" },
    );
  const [scheme, { tokenFile }] = entry;
  const home = env.HOME ?? env.USERPROFILE;
  if (tokenFile!.startsWith("~") && !home)
    throw new ConfigurationError(`${portal}: no home directory (HOME) for the token file ${tokenFile}.`, {
      portal,
      code: "token_store",
    });
  const path = tokenFile!.replace(/^~(?=$|[\\/])/, home ?? "~");
  const file = fileTokenStore(path, { format: "text" });
  return {
    load() {
      const tokens = file.load() as TokenSet | undefined;
      return tokens && ({ ...tokens, scheme } as TokenSet);
    },
    save: (tokens) => file.save(tokens),
  };
}
