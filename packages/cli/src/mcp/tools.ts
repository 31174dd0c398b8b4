import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { CliPortal } from "../portals.js";
import { kebab } from "../naming.js";
import { kindOf, type ToolKind } from "./operations.js";
import { toolInput, type ToolInput } from "./schema.js";

/** One operation served as a tool. */
export interface PortalTool {
  operationId: string;
  kind: Exclude<ToolKind, "excluded">;
  input: ToolInput;
  /** A list tool's page-size query parameter, when the portal takes one. */
  pageSizeParam?: string | undefined;
  /** What `tools/list` shows. */
  tool: Tool;
}

/** The portal's tools by name: every read, list and download, and the writes too with `allowWrites`. */
export interface ToolSet {
  /** Tools to list and call. */
  served: Map<string, PortalTool>;
  /** Write operations left out without `--allow-writes`, by tool name: so a call gets a clear refusal. */
  withheld: Set<string>;
}

const NOTES: Record<PortalTool["kind"], string> = {
  list: "Returns one page of items and a continuationToken; pass it back to get the next page (none on the last page).",
  download:
    "Saves the file into the download directory the server was started with and returns its path and size.",
  read: "",
  write: "Changes data on the portal.",
};

/** Builds the tool set from the portal's generated definition and docs. */
export function buildTools(portal: CliPortal, options: { allowWrites: boolean }): ToolSet {
  const served = new Map<string, PortalTool>();
  const withheld = new Set<string>();
  for (const [operationId, meta] of Object.entries(portal.definition().operations)) {
    const docs = portal.docs[operationId];
    const kind = kindOf(meta, docs);
    if (kind === "excluded") continue;
    const name = kebab(operationId); // the same name the operation has as a CLI command
    if (kind === "write" && !options.allowWrites) {
      withheld.add(name);
      continue;
    }
    const input = toolInput(meta, docs, kind);
    const description = [
      docs?.summary ?? meta.summary,
      docs?.description,
      NOTES[kind],
      `(${meta.method} ${meta.path})`,
    ]
      .filter((part): part is string => Boolean(part))
      .join("\n\n");
    served.set(name, {
      operationId,
      kind,
      input,
      pageSizeParam: meta.pagination?.size,
      tool: {
        name,
        ...(docs?.summary && { title: docs.summary }),
        description,
        inputSchema: input.schema,
        annotations: {
          readOnlyHint: kind !== "write",
          // A write may delete; downloads only add files to the download directory.
          destructiveHint: kind === "write",
          openWorldHint: true,
        },
      },
    });
  }
  return { served, withheld };
}
