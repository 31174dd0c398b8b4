import { ConfigurationError } from "../errors.js";
import type { TokenSet, TokenStore } from "../token-session.js";
import { nodeBuiltins } from "./builtins.js";

/**
 * A token store in a JSON file readable only by its owner (mode 0600, in a directory created
 * 0700), written atomically (a temporary file renamed into place), so a rotated refresh token
 * survives the process and a crash mid-write cannot leave half a file.
 */
export function fileTokenStore(path: string): TokenStore {
  const { fs } = nodeBuiltins("fileTokenStore()");
  return {
    load() {
      let text: string;
      try {
        text = fs.readFileSync(path, "utf8");
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") return undefined;
        throw new ConfigurationError(`cannot read the token store ${path}: ${(error as Error).message}`, {
          code: "token_store",
          cause: error,
        });
      }
      try {
        return JSON.parse(text) as TokenSet;
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
      fs.writeFileSync(temporary, JSON.stringify(tokens), { mode: 0o600 });
      fs.chmodSync(temporary, 0o600);
      fs.renameSync(temporary, path);
    },
  };
}
