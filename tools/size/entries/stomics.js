// One STOmics operation in a browser app.
import { createStomicsBase, getDataset } from "@sciportals/stomics";

export const dataset = getDataset(createStomicsBase({ apiKey: "sk-example" }), {
  path: { accession: "STD0001" },
});
