// A gzipped tar of our files, built with Web APIs only (Railway takes code as a .tar.gz).
// Convex's default runtime has no CompressionStream, so without it the gzip member holds
// stored (uncompressed) deflate blocks: valid gzip any reader accepts, just not smaller.

export type TarEntry = { path: string; bytes: Uint8Array };

const enc = new TextEncoder();
const BLOCK = 512;

function writeString(buf: Uint8Array, offset: number, length: number, value: string) {
  const b = enc.encode(value);
  buf.set(b.subarray(0, length), offset);
}

function writeOctal(buf: Uint8Array, offset: number, length: number, value: number) {
  writeString(buf, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

function header(name: string, size: number, type: "0" | "x"): Uint8Array {
  const h = new Uint8Array(BLOCK);
  let prefix = "";
  let base = name;
  if (enc.encode(name).length > 100) {
    // ustar splits long names at a slash into prefix (155) + name (100); PAX covers the rest.
    const cut = name.lastIndexOf("/", 155);
    if (cut > 0 && enc.encode(name.slice(cut + 1)).length <= 100 && enc.encode(name.slice(0, cut)).length <= 155) {
      prefix = name.slice(0, cut);
      base = name.slice(cut + 1);
    } else {
      base = name.slice(-100);
    }
  }
  writeString(h, 0, 100, base);
  writeOctal(h, 100, 8, 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, 0); // mtime 0: the same files always make the same archive
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  writeString(h, 156, 1, type);
  writeString(h, 257, 6, "ustar\0");
  writeString(h, 263, 2, "00");
  writeString(h, 345, 155, prefix);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i];
  writeString(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

function needsPax(name: string) {
  const n = enc.encode(name).length;
  if (n <= 100) return false;
  const cut = name.lastIndexOf("/", 155);
  return !(cut > 0 && enc.encode(name.slice(cut + 1)).length <= 100 && enc.encode(name.slice(0, cut)).length <= 155);
}

function paxRecord(key: string, value: string): Uint8Array {
  // "<len> key=value\n" where <len> counts its own digits too.
  const body = ` ${key}=${value}\n`;
  const bodyLen = enc.encode(body).length;
  let len = bodyLen;
  while (bodyLen + String(len).length !== len) len = bodyLen + String(len).length;
  return enc.encode(`${len}${body}`);
}

export function tar(entries: TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const pad = (n: number) => new Uint8Array((BLOCK - (n % BLOCK)) % BLOCK);
  for (const e of entries) {
    if (needsPax(e.path)) {
      const rec = paxRecord("path", e.path);
      parts.push(header("PaxHeader", rec.length, "x"), rec, pad(rec.length));
    }
    parts.push(header(e.path, e.bytes.length, "0"), e.bytes, pad(e.bytes.length));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

let crcTable: Uint32Array | undefined;
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** gzip with stored deflate blocks (RFC 1951 §3.2.4): no compression, no dependencies. */
export function gzipStored(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 0xffff));
  const out = new Uint8Array(10 + data.length + blocks * 5 + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  let o = 10;
  for (let i = 0; i < blocks; i++) {
    const chunk = data.subarray(i * 0xffff, Math.min(data.length, (i + 1) * 0xffff));
    const len = chunk.length;
    out[o++] = i === blocks - 1 ? 1 : 0;
    out[o++] = len & 0xff;
    out[o++] = len >>> 8;
    out[o++] = ~len & 0xff;
    out[o++] = (~len >>> 8) & 0xff;
    out.set(chunk, o);
    o += len;
  }
  const view = new DataView(out.buffer);
  view.setUint32(o, crc32(data), true);
  view.setUint32(o + 4, data.length >>> 0, true);
  return out;
}

/** gzip, compressed where the runtime has CompressionStream, stored otherwise. */
export async function gzip(data: Uint8Array, opts: { compress?: boolean } = {}): Promise<Uint8Array> {
  const CS = (globalThis as { CompressionStream?: typeof CompressionStream }).CompressionStream;
  if (opts.compress === false || typeof CS !== "function") return gzipStored(data);
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CS("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
