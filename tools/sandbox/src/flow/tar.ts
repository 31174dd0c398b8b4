/** A minimal ustar writer: enough for the bulk download archives (regular files, short names). */
import { gzipSync } from "node:zlib";

/** One file of an archive. */
export interface TarEntry {
  name: string;
  data: Buffer;
  mtime: Date;
}

function header(entry: TarEntry): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, at: number, length: number) => h.write(text.slice(0, length), at, "utf8");
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, "0") + "\0";
  put(entry.name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(entry.data.length, 12), 124, 12);
  put(octal(Math.floor(entry.mtime.getTime() / 1000), 12), 136, 12);
  h.fill(" ", 148, 156); // the checksum counts its own field as spaces
  put("0", 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

/** A gzipped tar of the entries. */
export function tarGz(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry), entry.data, Buffer.alloc((512 - (entry.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}
