/** ODM sandbox routes: omics queries across linked data (cursor paging). */
import type { Handler } from "../../spec-router.js";
import type { OdmContext } from "../context.js";
import { omicsQuery } from "../omics-query.js";

/** Handlers by operationId. */
export function omicsRoutes(c: OdmContext): Record<string, Handler> {
  const { catalog, guarded, present, sortObjects } = c;
  const { conditions, cursorPage, searchData, searchGroups } = omicsQuery(c);

  return {
    omicsSearchSamplesAsUser: guarded(({ query }) => {
      const c = conditions(query);
      const matching = sortObjects(
        catalog.samples.filter((s) => c.sample(s)),
        "id",
      );
      const page = cursorPage(matching, (s) => s.accession, query);
      return {
        status: 200,
        body: {
          ...page,
          data: page.data.map((s) => present("sample", s.attrs, query.returnedMetadataFields)),
        },
      };
    }),
    omicsSearchExpressionDataAsUser: searchData("expression"),
    omicsSearchVariantDataAsUser: searchData("variant"),
    omicsSearchFlowCytometryDataAsUser: searchData("flow-cytometry"),
    omicsSearchExpressionGroupsAsUser: searchGroups("expression"),
    omicsSearchVariantGroupsAsUser: searchGroups("variant"),
    omicsSearchFlowCytometryGroupsAsUser: searchGroups("flow-cytometry"),
  };
}
