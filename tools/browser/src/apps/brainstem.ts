/** A browser app on BrainSTEM: the device flow, typed call, limit/offset paging, a 429; it has no downloads. */
import { createBrainstemClient, download } from "@sciportals/brainstem";
import { failure, type SeenRetry } from "./common.js";

export interface BrainstemConfig {
  baseUrl: string;
}

export async function run(c: BrainstemConfig) {
  const retries: SeenRetry[] = [];
  const brainstem = createBrainstemClient({
    baseUrl: c.baseUrl,
    retry: { initialDelayMs: 5 },
    onRetry: (e) => retries.push({ status: e.status, waitMs: e.waitMs }),
  });
  // BrainSTEM's way to a token (no password login since 2026-03): the device flow. The sandbox
  // approves at once; a real app shows the code and the link.
  let prompted = "";
  await brainstem.auth.deviceLogin({
    body: { client_name: "sciportals-browser-check" },
    onPrompt: (p) => void (prompted = p.verificationUri),
  });
  const projects = await brainstem.listProjects();
  const names: string[] = [];
  for await (const project of brainstem.paginate("listPublicProjects", { query: { limit: 7 } }))
    names.push(String(project.name));
  const refused = await failure(() =>
    download(brainstem, "listProjects", {}, new WritableStream<Uint8Array>()),
  );
  return { prompted, typed: projects.projects.length, names, retries, refused };
}
