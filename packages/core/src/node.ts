/**
 * Node-only building blocks: downloads straight to files. The clients' `download()` uses these;
 * import them to download a URL you already have.
 * @packageDocumentation
 */
export {
  downloadToFile,
  parseContentRange,
  type DownloadSource,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
} from "./node/file-download.js";
export { fileTokenStore, type FileTokenStoreOptions } from "./file-token-store.js";
