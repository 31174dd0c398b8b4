// One Genestack ODM operation in a browser app.
import { createGenestackOdmBase, getStudy } from "@sciportals/genestack-odm";

export const study = getStudy(createGenestackOdmBase({ apiToken: "token" }), { path: { id: "GSF1000001" } });
