import { asObject, checkFields } from "./fields.js";
import type { Extension } from "./types.js";

/** `x-sciportals-credential`: the client option (and variable) that supplies a scheme's credential. */
export interface CredentialExtension {
  option: string;
  env?: string;
  /** Prepended to the value; default `Bearer ` for http bearer, none for apiKey. */
  prefix?: string;
  /** Shown when the credential is missing. */
  help?: string;
  /**
   * Where the portal's own tool caches the token (`~` is the home directory): a file holding the
   * bare token, mode 0600. `tokenStore: "file"` reads and writes it, so one login serves both tools.
   */
  tokenFile?: string;
}

export const credential: Extension<CredentialExtension> = {
  key: "x-sciportals-credential",
  place: "scheme",
  check(value, { at, scheme }) {
    const problems = checkFields(
      value,
      at,
      { option: "string" },
      { env: "string", prefix: "string", help: "string", tokenFile: "string" },
    );
    const supported =
      (scheme?.type === "http" && scheme.scheme === "bearer") ||
      (scheme?.type === "apiKey" && (scheme.in === "header" || scheme.in === "query")) ||
      scheme?.type === "oauth2" ||
      scheme?.type === "openIdConnect";
    if (!supported)
      problems.push(
        `${at.replace(/\/x-sciportals-credential$/, "")}: x-sciportals-credential supports http bearer, apiKey (header or query), oauth2 and openIdConnect schemes`,
      );
    return problems;
  },
  read: (value) => asObject<CredentialExtension>(value),
};
