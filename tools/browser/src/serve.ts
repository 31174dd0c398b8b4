/**
 * The app's own origin: a loopback server for the page and the bundles, as a static host serves a
 * browser app. It is not the portals' origin, so every portal call from the page is cross-origin.
 * @module
 */
import { listen, type Listening } from "@sciportals/sandbox";
import type { AppName } from "./bundle.js";

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>sciportals in a browser</title></head><body></body></html>`;

/** Serves `/` (an empty page) and `/apps/<name>.js` (the bundles). */
export function serveApps(code: Record<AppName, string>): Promise<Listening> {
  return listen(
    (req, res) => {
      const path = new URL(req.url ?? "/", "http://app").pathname;
      const app = /^\/apps\/([a-z-]+)\.js$/.exec(path)?.[1] as AppName | undefined;
      if (path === "/") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
      } else if (app && code[app] !== undefined) {
        res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(code[app]);
      } else {
        res.writeHead(404).end();
      }
    },
    { port: 0, cors: false },
  );
}
