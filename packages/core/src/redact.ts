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
