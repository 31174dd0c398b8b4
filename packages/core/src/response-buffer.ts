/**
 * Reading a response's body inside the transport, so that the time limit covers it and a stall or
 * a cut is seen where the attempt can still be retried; the caller then reads the same Response.
 */

/**
 * Bodies are read into memory up to this size, so that a stall or a cut is retried before the
 * caller sees the response; a larger body (a file fetched as a named operation) is handed over as
 * a stream from there, with only what was read already covered.
 */
const BUFFER_LIMIT = 16 << 20;

/** The marker a timeout rejects or cancels with; the transport turns it into a `TimeoutError`. */
export class TimeoutMarker extends Error {
  constructor() {
    super("timeout");
  }
}

/** Lets a timeout stop the body read in progress, so that a stalled body holds no socket. */
export interface Stopper {
  stop?: (() => void) | undefined;
}

/**
 * Reads the body (up to {@link BUFFER_LIMIT}) so that the time limit covers it and a cut is seen
 * here, where it can be retried. The bytes are served from the same Response object: building a
 * new Response costs about 10 µs in Node 20, as much as the rest of the client together.
 */
export async function buffered(response: Response, stopper: Stopper): Promise<Response> {
  const body = response.body;
  if (!body) return response;
  const reader = body.getReader();
  stopper.stop = () => void reader.cancel(new TimeoutMarker()).catch(() => {});
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
    if (length > BUFFER_LIMIT) return withBody(response, chunks, reader);
  }
  stopper.stop = undefined;
  return withBody(response, chunks, undefined);
}

const BYTES = Symbol("bytes");
/** One decoder for every body: decoding without `stream` keeps no state between calls. */
const utf8 = new TextDecoder();

/**
 * A response whose body was read by the transport: the body methods answer from the bytes. An
 * existing Response is moved onto this prototype rather than copied: `new Response()` costs
 * about 10 µs in Node 20, and one shape for every buffered response keeps callers monomorphic.
 */
class BufferedResponse extends Response {
  declare [BYTES]: Uint8Array;
  override get body(): ReadableStream<Uint8Array<ArrayBuffer>> {
    const bytes = this[BYTES];
    return new ReadableStream<Uint8Array<ArrayBuffer>>({
      start(controller) {
        if (bytes.length > 0) controller.enqueue(bytes.slice() as Uint8Array<ArrayBuffer>);
        controller.close();
      },
    });
  }
  override get bodyUsed(): boolean {
    return false;
  }
  override async arrayBuffer(): Promise<ArrayBuffer> {
    return this[BYTES].slice().buffer as ArrayBuffer;
  }
  override async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this[BYTES].slice() as Uint8Array<ArrayBuffer>;
  }
  override async text(): Promise<string> {
    return utf8.decode(this[BYTES]);
  }
  override async json(): Promise<any> {
    return JSON.parse(await this.text());
  }
  override async blob(): Promise<Blob> {
    return new Blob([this[BYTES] as Uint8Array<ArrayBuffer>], {
      type: this.headers.get("content-type") ?? "",
    });
  }
  override clone(): Response {
    const empty = this.status === 204 || this.status === 205 || this.status === 304;
    return new Response(empty ? null : this[BYTES].slice(), {
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
    });
  }
}

/** `response` answering every body method from `chunks` (then the rest of `reader`, when given). */
function withBody(
  response: Response,
  chunks: Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined,
): Response {
  if (reader) {
    // Too large to hold: the bytes read so far, then the rest as it comes.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
      },
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    Object.defineProperty(response, "body", { get: () => body });
    return response;
  }
  let bytes: Uint8Array;
  if (chunks.length === 1) bytes = chunks[0]!;
  else {
    bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
  }
  (response as BufferedResponse)[BYTES] = bytes;
  return Object.setPrototypeOf(response, BufferedResponse.prototype) as Response;
}
