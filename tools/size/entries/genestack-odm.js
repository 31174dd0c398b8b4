// One Genestack ODM operation in a browser app.
import { createGenestackOdmBase, getStudyAsUser } from "@sciportals/genestack-odm";

export const study = getStudyAsUser(createGenestackOdmBase({ apiToken: "token" }), {
  path: { id: "GSF1000001" },
});
