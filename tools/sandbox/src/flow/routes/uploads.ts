/** Flow sandbox routes: the four chunked upload endpoints (one chunk per request). */
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";
import { uploadChunker } from "../upload-chunk.js";

/** Handlers by operationId. */
export function uploadsRoutes(c: FlowContext): Record<string, Handler> {
  const uploadChunk = uploadChunker(c);
  return {
    uploadData: (ctx) => uploadChunk("data", "DataUploadChunk", ctx),
    uploadSample: (ctx) => uploadChunk("sample", "SampleUploadChunk", ctx),
    uploadMultiplexed: (ctx) => uploadChunk("multiplexed", "MultiplexedUploadChunk", ctx),
    uploadAnnotation: (ctx) => uploadChunk("annotation", "AnnotationUploadChunk", ctx),
  };
}
