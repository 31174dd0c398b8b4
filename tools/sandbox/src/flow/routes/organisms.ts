/** Flow sandbox routes: organisms and their genome filesets. */
import { NOT_FOUND } from "../replies.js";
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";

/** Handlers by operationId. */
export function organismsRoutes(c: FlowContext): Record<string, Handler> {
  const { store, views, genomeFilesets } = c;
  return {
    listOrganisms({ principal }) {
      return {
        status: 200,
        body: [...store.organisms.values()].map((o) => {
          const latest = genomeFilesets(o.id, principal).at(-1);
          return {
            id: o.id,
            name: o.name,
            latin_name: o.latinName,
            latest_fileset: latest ? views.fileset(latest) : null,
          };
        }),
      };
    },
    getOrganism({ pathParams, principal }) {
      const o = store.organisms.get(pathParams.organismId);
      if (!o) return NOT_FOUND;
      return {
        status: 200,
        body: {
          id: o.id,
          name: o.name,
          latin_name: o.latinName,
          filesets: genomeFilesets(o.id, principal).map((f) => ({
            id: f.id,
            name: f.name,
            created: f.created,
            organism_name: o.name,
            data: views.fileset(f).data,
          })),
        },
      };
    },
  };
}
