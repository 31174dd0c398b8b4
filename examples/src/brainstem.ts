/**
 * The BrainSTEM quick start (seed 001's workflows in TypeScript): public projects with filters and
 * sort, private sessions, create / update / delete a session, and paging. It works against any
 * server that answers as BrainSTEM does, however large or slow (the paging walk is capped), and
 * twice in a row: what it creates it deletes, even when a step fails.
 */
import type { BrainstemClient } from "@sciportals/brainstem";

export interface BrainstemQuickstartOptions {
  /** A project the signed-in user may change, for the create/update/delete steps; none skips them. */
  writableProject?: string | undefined;
}

// A live portal may hold thousands of public projects: the demo pages through this many at most.
const PAGING_CAP = 30;

export async function runBrainstemQuickstart(
  brainstem: BrainstemClient,
  options: BrainstemQuickstartOptions,
): Promise<void> {
  // Public projects: no credentials are sent to the public portal.
  const publicProjects = await brainstem.listPublicProjects({ query: { limit: 100 } });
  console.log(`Loaded ${publicProjects.projects.length} public projects (of ${publicProjects.count ?? "?"})`);

  // Filters are an object, as in the Python tool; several combine with AND. The known keys are
  // suggested by the types; any other `field.lookup` the portal accepts may be sent too.
  const visual = await brainstem.listPublicProjects({ query: { filter: { "name.icontains": "visual" } } });
  console.log(
    `Public projects whose name contains "visual": ${visual.projects.map((p) => p.name).join(", ") || "none"}`,
  );

  // Sort ascending, or with "-" descending.
  const alphabetical = await brainstem.listPublicProjects({ query: { sort: ["name"], limit: 3 } });
  console.log(`First three alphabetically: ${alphabetical.projects.map((p) => p.name).join(" · ")}`);
  const reverse = await brainstem.listPublicProjects({ query: { sort: ["-name"], limit: 3 } });
  console.log(`Last three: ${reverse.projects.map((p) => p.name).join(" · ")}`);

  // Private sessions of the signed-in user, with their projects expanded.
  const sessions = await brainstem.listSessions({ query: { include: ["projects"], limit: 5 } });
  console.log(
    `Private sessions (${sessions.count ?? sessions.sessions.length}): ${sessions.sessions.map((s) => s.name).join(", ") || "none"}`,
  );
  // A lookup through a relation (dynamic-rest's `filter{projects.name.icontains}`).
  const inVisual = await brainstem.listSessions({
    query: { filter: { "projects.name.icontains": "visual" }, limit: 5 },
  });
  console.log(`Sessions in a project named like "visual": ${inVisual.count ?? inVisual.sessions.length}`);

  // Page through (the iterator follows limit/offset until the count is reached; stop when you like).
  let count = 0;
  for await (const _project of brainstem.paginate("listPublicProjects", { query: { limit: 10 } }))
    if (++count >= PAGING_CAP) break;
  console.log(`Paged through ${count} public projects, 10 at a time (stopping at ${PAGING_CAP})`);

  if (!options.writableProject) {
    console.log("(No create/update/delete: set BRAINSTEM_DEMO_PROJECT to a project you may change.)");
    return;
  }
  // Create: `projects` must be a list of project ids. The name is unique, so reruns never clash.
  const created = await brainstem.createSession({
    body: {
      name: `sciportals demo ${new Date().toISOString()} ${Math.random().toString(36).slice(2, 8)}`,
      projects: [options.writableProject],
      description: "Created via @sciportals/brainstem",
    },
  });
  const id = created.session.id;
  console.log(`Created session ${id}`);
  try {
    // Update with a partial payload (PATCH); `replaceSession` sends the whole record (PUT).
    const updated = await brainstem.updateSession({
      path: { id },
      body: { description: "Updated via @sciportals/brainstem" },
    });
    console.log(`Updated its description: "${updated.session.description}"`);
  } finally {
    await brainstem.deleteSession({ path: { id } });
    console.log(`Deleted session ${id}`);
  }
}
