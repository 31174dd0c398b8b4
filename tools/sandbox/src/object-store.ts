import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { serveFile, type VirtualFile } from "./content.js";
import type { CorsOptions } from "./cors.js";
import type { Faults } from "./faults.js";
import { listen, record, type Listening, type RecordedRequest } from "./http.js";

/**
 * An S3-like storage origin for pre-signed URLs, on its own port: it checks the signature and
 * expiry in the query string, refuses a request that also carries an Authorization header (as
 * S3 does), and serves Range requests.
 */
export interface ObjectStore {
  url: string;
  /** Requests served, newest last. */
  requests: RecordedRequest[];
  faults: Faults;
  put(key: string, file: VirtualFile): void;
  get(key: string): VirtualFile | undefined;
  /** A URL for `key` that stays valid for `ttlSeconds`. */
  sign(key: string, ttlSeconds: number, now?: number): string;
  close(): Promise<void>;
}

function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

function xmlError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/** Starts the storage origin; `cors` as for the portal servers (./cors.ts). */
export async function startObjectStore(
  faults: Faults,
  port = 0,
  cors?: CorsOptions | false,
): Promise<ObjectStore> {
  const secret = randomBytes(32);
  const objects = new Map<string, VirtualFile>();
  const requests: RecordedRequest[] = [];
  const signature = (key: string, date: string, expires: string) =>
    createHmac("sha256", secret).update(`${key}\n${date}\n${expires}`).digest("hex");

  const at = { port, cors };
  let listening: Listening;
  listening = await listen(async (req, res) => {
    const url = new URL(req.url ?? "/", listening.url);
    const delay = faults.takeDelay(req);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    const entry = record(req, url);
    requests.push(entry);
    res.on("finish", () => (entry.status = res.statusCode));
    const fail = (status: number, code: string, message: string) => {
      entry.status = status;
      const body = xmlError(code, message);
      res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD")
      return fail(405, "MethodNotAllowed", "The specified method is not allowed");
    const key = decodeURIComponent(url.pathname.slice(1));
    const date = url.searchParams.get("X-Amz-Date") ?? "";
    const expires = url.searchParams.get("X-Amz-Expires") ?? "";
    const given = url.searchParams.get("X-Amz-Signature") ?? "";
    if (req.headers.authorization) {
      return fail(
        400,
        "InvalidArgument",
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
      );
    }
    const expected = signature(key, date, expires);
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      return fail(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
      );
    }
    if (Date.now() > parseAmzDate(date) + Number(expires) * 1000)
      return fail(403, "AccessDenied", "Request has expired");
    const file = objects.get(key);
    if (!file) return fail(404, "NoSuchKey", "The specified key does not exist.");
    const failure = faults.takeFailure(req);
    if (failure) {
      if (failure.reset) return void req.socket.destroy();
      return fail(failure.status, "SlowDown", "Please reduce your request rate.");
    }
    serveFile(req, res, file, faults, { onBytes: (n) => (entry.bytesSent += n) });
    entry.status = res.statusCode;
  }, at);

  return {
    url: listening.url,
    requests,
    faults,
    put: (key, file) => void objects.set(key, file),
    get: (key) => objects.get(key),
    sign(key, ttlSeconds, now = Date.now()) {
      const date = amzDate(now);
      const expires = String(ttlSeconds);
      const query = new URLSearchParams({
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Date": date,
        "X-Amz-Expires": expires,
        "X-Amz-Signature": signature(key, date, expires),
      });
      return `${listening.url}/${key.split("/").map(encodeURIComponent).join("/")}?${query}`;
    },
    close: () => listening.close(),
  };
}
