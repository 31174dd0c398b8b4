// One BrainSTEM operation in a browser app (of 358).
import { createBrainstemBase, listPublicProjects } from "@sciportals/brainstem";

export const projects = listPublicProjects(createBrainstemBase(), { query: { limit: 10 } });
