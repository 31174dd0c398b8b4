import { rm } from "node:fs/promises";
import { fileTokenStore } from "@sciportals/core/node";

/**
 * Saves a bare token as the portals' own tools do (one line), mode 0600 in a directory made 0700,
 * written atomically by core's file store.
 */
export function saveToken(path: string, token: string): void {
  fileTokenStore(path, { format: "text" }).save({ accessToken: token });
}

/** Removes a token file; true when there was one. */
export async function removeToken(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return false;
    throw error;
  }
}
