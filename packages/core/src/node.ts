/**
 * Node-only building blocks: downloads straight to files, and a proxy-aware `fetch`. The clients' `download()` uses these;
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
export { createProxyFetch } from "./node/proxy-fetch.js";
export type { ProxySetting } from "./node/proxy-env.js";
export { fileTokenStore, type FileTokenStoreOptions } from "./file-token-store.js";
