import { statSync } from "node:fs";
import { basename } from "node:path";

/** A local file to upload: where it is, how big, and the name Flow will store it under. */
export interface LocalFile {
  path: string;
  size: number;
  filename: string;
}

/**
 * Checks a file before anything is sent: it exists, is a regular file, and its name has no space
 * (Flow refuses them: `{"filename": ["Spaces in filename"]}`). Returns the file, or why not.
 */
export function checkLocalFile(path: string, filename: string = basename(path)): LocalFile | string {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return `no file ${path}`;
  }
  if (stats.isDirectory())
    return `${path} is a folder: upload a .zip or .tar.gz of it (with --directory for data)`;
  if (!stats.isFile()) return `${path} is not a regular file`;
  if (/\s/.test(filename)) return `the file name "${filename}" has a space (Flow refuses them): rename it`;
  return { path, size: stats.size, filename };
}
