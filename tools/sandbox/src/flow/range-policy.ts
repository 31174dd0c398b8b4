/** Flow's downloads and Range. */
import type { IncomingMessage } from "node:http";

/**
 * No public source says Flow's downloads honour `Range` (nginx sends the bytes, behind
 * `X-Accel-Redirect`, but nothing shows its settings), so the sandbox serves the whole file every
 * time: a client's resume must fall back to starting over, and its tests see that path.
 */
export function ignoreRange(req: IncomingMessage): void {
  delete req.headers.range;
  delete req.headers["if-range"];
}
