import { readFile } from "node:fs/promises";
import { openapiOverlay } from "openapi-format";
import { parse } from "yaml";
import { isObject, type JsonObject } from "./json.js";
import { SpecError } from "./load.js";

/**
 * Applies an OpenAPI Overlay 1.0 document with openapi-format. Every action must change
 * something: an action whose target matches nothing means the upstream spec moved, and a
 * silent no-op would ship the uncorrected upstream.
 */
export async function applyOverlay(
  document: JsonObject,
  file: string,
): Promise<{ document: JsonObject; actions: number }> {
  const overlay = parse(await readFile(file, "utf8")) as unknown;
  if (!isObject(overlay) || typeof overlay.overlay !== "string" || !Array.isArray(overlay.actions))
    throw new SpecError(
      `${file}: not an OpenAPI Overlay document (needs \`overlay: 1.0.0\` and \`actions\`)`,
    );
  if (!/^1\.0\.\d+$/.test(overlay.overlay))
    throw new SpecError(`${file}: Overlay ${overlay.overlay} is not supported; use 1.0.x`);
  const problems: string[] = [];
  overlay.actions.forEach((action, i) => {
    if (!isObject(action) || typeof action.target !== "string")
      problems.push(`action ${i + 1}: needs a \`target\` JSONPath`);
    else if (action.update === undefined && action.remove !== true)
      problems.push(`action ${i + 1} (${action.target}): needs \`update\` or \`remove: true\``);
  });
  if (problems.length) throw new SpecError(`${file}:\n  ${problems.join("\n  ")}`);
  const result = await openapiOverlay(structuredClone(document), {
    overlaySet: overlay as Parameters<typeof openapiOverlay>[1]["overlaySet"],
  });
  const unused = result.resultData.unusedActions as { target?: string; description?: string }[];
  if (unused.length)
    throw new SpecError(
      `${file}: ${unused.length} action(s) matched nothing in the spec (did the upstream change?):\n  ` +
        unused.map((a) => `${a.target}${a.description ? ` — ${a.description}` : ""}`).join("\n  "),
    );
  return { document: result.data as JsonObject, actions: overlay.actions.length };
}
