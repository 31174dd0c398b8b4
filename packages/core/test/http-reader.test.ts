import { createServer as createNetServer, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:https";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { idleBuffers, openConnection, queueLimit } from "../src/node/buffer-pool.js";
import { get, parseHead } from "../src/node/http-reader.js";

let closers: (() => void)[] = [];
afterEach(() => {
  closers.forEach((c) => c());
  closers = [];
});

/** A raw TCP server that writes `parts` with pauses between them, so they arrive as separate reads. */
async function rawServer(parts: (string | Buffer)[], pauseMs = 15) {
  const server = createNetServer((socket: Socket) => {
    socket.once("data", async () => {
      for (const part of parts) {
        socket.write(part);
        await new Promise((r) => setTimeout(r, pauseMs));
      }
      socket.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
}

async function readAll(url: string) {
  const exchange = await get(new URL(url), { "x-test": "1" }, { idleTimeoutMs: 5000 });
  const chunks: Buffer[] = [];
  await exchange.readBody(async (pieces) => void chunks.push(...pieces.map((p) => Buffer.from(p))));
  return { head: exchange.head, body: Buffer.concat(chunks).toString("latin1") };
}

describe("the download HTTP reader", () => {
  it("parses a head split across reads, and a Content-Length body", async () => {
    const url = await rawServer([
      "HTTP/1.1 200 OK\r\nContent-Le",
      'ngth: 11\r\nETag: "v1"\r\n\r\nhello',
      " world",
    ]);
    const { head, body } = await readAll(url);
    expect(head).toMatchObject({ status: 200, statusText: "OK" });
    expect(head.headers.etag).toBe('"v1"');
    expect(body).toBe("hello world");
  });

  it("decodes a chunked body whose framing is split at every awkward place", async () => {
    const url = await rawServer([
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5",
      "\r\nhel",
      "lo\r",
      "\n6;ext=1\r\n wor",
      "ld\r\n0\r\nX-Trailer: t\r\n",
      "\r\n",
    ]);
    expect((await readAll(url)).body).toBe("hello world");
  });

  it("reads a body delimited by the connection closing", async () => {
    const url = await rawServer(["HTTP/1.0 200 OK\r\n\r\npart one,", " part two"]);
    expect((await readAll(url)).body).toBe("part one, part two");
  });

  it("skips interim 1xx responses", async () => {
    const url = await rawServer(["HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 204 No Content\r\n\r\n"]);
    expect((await readAll(url)).head.status).toBe(204);
  });

  it("reports a cut body after handing over every byte that arrived", async () => {
    const url = await rawServer(["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "x".repeat(40)]);
    const exchange = await get(new URL(url), {}, { idleTimeoutMs: 5000 });
    let got = 0;
    await expect(
      exchange.readBody(async (pieces) => void (got += pieces.reduce((n, p) => n + p.length, 0))),
    ).rejects.toThrow("the connection closed before the body ended");
    expect(got).toBe(40);
  });

  it("rejects a malformed head and a huge one", async () => {
    await expect(
      get(new URL(await rawServer(["SPDY/3 200\r\n\r\n"])), {}, { idleTimeoutMs: 5000 }),
    ).rejects.toThrow("malformed response head");
    await expect(
      get(
        new URL(await rawServer(["HTTP/1.1 200 OK\r\n", `X: ${"y".repeat(70_000)}`])),
        {},
        { idleTimeoutMs: 5000 },
      ),
    ).rejects.toThrow("response head too large");
  });

  it("times out an idle connection", async () => {
    const server = createNetServer(() => {});
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    closers.push(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await expect(get(new URL(url), {}, { idleTimeoutMs: 100 })).rejects.toThrow("idle timeout");
  });

  it("streams a large body over TLS with the pool of buffers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tls-"));
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          join(dir, "k.pem"),
          "-out",
          join(dir, "c.pem"),
          "-days",
          "1",
          "-subj",
          "/CN=localhost",
        ],
        { stdio: "ignore" },
      );
      const payload = Buffer.alloc(20 * 1024 * 1024, 7);
      const server = createTlsServer(
        { key: readFileSync(join(dir, "k.pem")), cert: readFileSync(join(dir, "c.pem")) },
        (req, res) => {
          res.writeHead(200, { "content-length": payload.length, "x-host": req.headers.host });
          res.end(payload);
        },
      );
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      closers.push(() => server.close());
      process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
      const exchange = await get(
        new URL(`https://localhost:${(server.address() as AddressInfo).port}/big`),
        {},
        { idleTimeoutMs: 5000 },
      );
      let got = 0;
      await exchange.readBody(async (pieces) => {
        await new Promise((r) => setTimeout(r, 1)); // a slow disk: the reader must pause, not grow
        got += pieces.reduce((n, p) => n + p.length, 0);
      });
      expect(got).toBe(payload.length);
      expect(exchange.head.headers["x-host"]).toMatch(/^localhost:\d+$/);
    } finally {
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parseHead joins repeated headers", () => {
    expect(parseHead("HTTP/1.1 200 OK\r\nVary: a\r\nVary: b")!.headers.vary).toBe("a, b");
  });

  it("shares its buffers between connections, at once and one after another, without mixing their bytes", async () => {
    // Six bodies of 6 MiB, each of its own byte pattern, sent fast and written slowly: every
    // connection fills its buffers and pauses, while the others take and give back pooled ones.
    const size = 6 * 1024 * 1024;
    const bodyOf = (n: number) => {
      const body = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4) body.writeUInt32LE((n * 0x1000193 + i) >>> 0, i);
      return body;
    };
    const server = createNetServer((socket: Socket) => {
      socket.once("data", (request) => {
        const n = Number(/GET \/(\d+)/.exec(request.toString("latin1"))![1]);
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
        socket.end(bodyOf(n));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    closers.push(() => server.close());
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const fetchOne = async (n: number) => {
      const exchange = await get(new URL(`${base}/${n}`), {}, { idleTimeoutMs: 5000 });
      const chunks: Buffer[] = [];
      await exchange.readBody(async (pieces) => {
        chunks.push(...pieces.map((p) => Buffer.from(p))); // copied: a piece is valid only until written
        await new Promise((r) => setTimeout(r, 2));
      });
      return Buffer.concat(chunks);
    };
    const atOnce = await Promise.all([1, 2, 3, 4, 5, 6].map(fetchOne));
    atOnce.forEach((body, i) => expect(body.equals(bodyOf(i + 1)), `body ${i + 1}`).toBe(true));
    // The connections gave their buffers back when they closed, for the next ones to reuse.
    await new Promise((r) => setTimeout(r, 20));
    expect(idleBuffers()).toBeGreaterThan(0);
    for (const n of [7, 8]) expect((await fetchOne(n)).equals(bodyOf(n)), `body ${n}`).toBe(true);
  });

  it("shares one buffer budget among the connections open at once", () => {
    expect(queueLimit()).toBe(4);
    const closers = Array.from({ length: 8 }, () => openConnection());
    expect(queueLimit()).toBe(2);
    const more = Array.from({ length: 12 }, () => openConnection());
    expect(queueLimit()).toBe(1); // never 0: every connection may fill one buffer
    [...more, ...more].forEach((close) => close()); // closing twice counts once
    expect(queueLimit()).toBe(2);
    closers.forEach((close) => close());
    expect(queueLimit()).toBe(4);
  });
});
