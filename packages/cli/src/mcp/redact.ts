/**
 * Replaces every known secret in a text with `***`. Core already scrubs its errors; this is the
 * last check before anything leaves the server, for messages core never saw (a portal echoing a
 * key back in a response body, say).
 */
export function redactor(secrets: readonly string[]): (text: string) => string {
  // Short values would blank out ordinary words; real keys and tokens are longer.
  const known = [...new Set(secrets.filter((s) => s.length >= 8))].sort((a, b) => b.length - a.length);
  return (text) => known.reduce((out, secret) => out.split(secret).join("***"), text);
}
