// One Flow operation in a browser app.
import { createFlowBase, searchSamples } from "@sciportals/flow";

export const samples = searchSamples(createFlowBase(), { query: { count: 10 } });
