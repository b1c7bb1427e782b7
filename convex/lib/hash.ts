// Content hashes: sha-256 as lower-case hex (the blob key).

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX[b];
  return out;
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
  return bytesToHex(await sha256(data));
}

/** UTF-8 bytes of a text, with its sha-256 hex and byte size. */
export async function hashText(text: string): Promise<{ hash: string; size: number }> {
  const bytes = new TextEncoder().encode(text);
  return { hash: await sha256Hex(bytes), size: bytes.length };
}

/** Convex file storage reports sha-256 as base64 (`_storage.sha256`); blobs use hex. */
export function base64ToHex(b64: string): string {
  const bin = atob(b64);
  let out = "";
  for (let i = 0; i < bin.length; i++) out += HEX[bin.charCodeAt(i)];
  return out;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(s: string): boolean {
  return SHA256_HEX.test(s);
}
