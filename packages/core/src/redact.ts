const SENSITIVE_PARAM = /sig|token|key|secret|password|credential|auth|session/i;

/**
 * Returns `url` with credentials removed: user info, and the values of query parameters whose
 * names look like a signature, token, key or secret (pre-signed URLs carry their authority there).
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/[?#].*$/, "");
  }
  if (parsed.username || parsed.password) {
    parsed.username = "";
    parsed.password = "";
  }
  let changed = false;
  for (const name of new Set(parsed.searchParams.keys())) {
    if (SENSITIVE_PARAM.test(name)) {
      parsed.searchParams.set(name, "REDACTED");
      changed = true;
    }
  }
  if (!changed) return parsed.href;
  // URLSearchParams re-encodes; keep the redaction marker readable.
  return parsed.href.replace(/REDACTED/g, "***");
}

// `"access_token": "…"`, `password=…`, `Authorization: Bearer …`: a value after a name that says secret.
const SECRET_ASSIGNMENT =
  /((?:token|secret|password|passwd|api[_-]?key|apikey|authorization|cookie|session|sig)[\w-]*["']?\s*[:=]\s*["']?)(?:bearer\s+)?[^\s"'&,;}<]+/gi;

/**
 * The start of a response body, fit to quote in an error: whitespace collapsed, clipped to `max`
 * characters, and values that follow secret-looking names (`"token": …`, `password=…`) replaced
 * by `***`. Secrets the client knows are scrubbed later, with everything else the error holds.
 */
export function redactSnippet(text: string, max = 200): string {
  const flat = text
    .slice(0, max * 4)
    .replace(/\s+/g, " ")
    .trim();
  const redacted = flat.replace(SECRET_ASSIGNMENT, "$1***");
  return redacted.length > max ? `${redacted.slice(0, max)}…` : redacted;
}
