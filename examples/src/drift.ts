/**
 * The demo's `--validate`: every client checks the portal's answers against the spec
 * (`validateResponses: "warn"`), and each section ends with the client's drift report, the list a
 * maintainer turns into a spec fix. Against a sandbox, any difference fails the demo: the
 * sandbox is meant to answer exactly as the spec says.
 */
import type { DriftReport } from "@sciportals/stomics";

/** Whether the demo runs with `--validate`. */
export const validating = process.argv.includes("--validate");

/** The client option `--validate` adds. */
export const validation = (): { validateResponses?: "warn" } =>
  validating ? { validateResponses: "warn" } : {};

/**
 * Prints a client's drift report (nothing without `--validate`) and returns how many differences
 * it holds.
 */
export function printDriftReport(client: { driftReport(): DriftReport }, spec: string): number {
  if (!validating) return 0;
  const { portal, checked, differences } = client.driftReport();
  const count = differences.length;
  console.log(
    `Drift report: ${portal}, ${checked} response(s) checked against ${spec}: ` +
      (count === 0 ? "no difference" : `${count} difference(s)`),
  );
  for (const d of differences)
    console.log(
      `  ${d.operationId} (${d.request}, ${d.status}) at ${d.pointer || "/"}: ${d.keyword}: ` +
        `expected ${d.expected}, got ${d.got} (${d.count} response(s))`,
    );
  return count;
}

/** Fails the demo when a sandbox's answers differ from its spec. */
export function expectNoSandboxDrift(client: { driftReport(): DriftReport }, spec: string): void {
  if (printDriftReport(client, spec) > 0)
    throw new Error(`the sandbox's answers differ from ${spec} (see the drift report above)`);
}
