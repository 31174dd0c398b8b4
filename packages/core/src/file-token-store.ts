import { ConfigurationError } from "./errors.js";
import type { TokenSet, TokenStore } from "./token-session.js";
import { nodeBuiltins } from "./builtins.js";

/** Options of {@link fileTokenStore}. */
export interface FileTokenStoreOptions {
  /**
   * `json` (default): the whole token set. `text`: the bare access token and nothing else, as
   * portals' own command-line tools cache it (BrainSTEM's Python tool); a login session's refresh
   * token and expiry are then not kept.
   */
  format?: "json" | "text" | undefined;
}

/**
 * A token store in a file readable only by its owner (mode 0600, in a directory created 0700),
 * written atomically (a temporary file renamed into place), so a rotated refresh token survives
 * the process and a crash mid-write cannot leave half a file.
 */
export function fileTokenStore(path: string, options: FileTokenStoreOptions = {}): TokenStore {
  const text = options.format === "text";
  const { fs } = nodeBuiltins("fileTokenStore()");
  return {
    load() {
      let content: string;
      try {
        content = fs.readFileSync(path, "utf8");
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") return undefined;
        throw new ConfigurationError(`cannot read the token store ${path}: ${(error as Error).message}`, {
          code: "token_store",
          cause: error,
        });
      }
      if (text) {
        // Read as the Python tool does (`read_text().strip()`); an empty file holds no token.
        const token = content.trim();
        return token ? { accessToken: token } : undefined;
      }
      try {
        return JSON.parse(content) as TokenSet;
      } catch {
        throw new ConfigurationError(
          `the token store ${path} is not valid JSON; delete it and log in again`,
          { code: "token_store" },
        );
      }
    },
    save(tokens) {
      if (!tokens) {
        fs.rmSync(path, { force: true });
        return;
      }
      const dir = path.replace(/[\\/][^\\/]*$/, "");
      if (dir && dir !== path) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const temporary = `${path}.${process.pid}.tmp`;
      // Text: the token alone, no newline, as the Python tool's `write_text(token)` leaves it.
      fs.writeFileSync(temporary, text ? tokens.accessToken : JSON.stringify(tokens), { mode: 0o600 });
      fs.chmodSync(temporary, 0o600);
      fs.renameSync(temporary, path);
    },
  };
}
