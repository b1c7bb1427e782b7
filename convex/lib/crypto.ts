// AES-256-GCM for secrets at rest (users' own provider tokens). The key is 32 random bytes,
// base64-encoded in the env var PROVIDER_TOKEN_KEY; a fresh 12-byte IV per secret.
// Web Crypto only, so it runs in queries, mutations and actions alike.
import { fromBase64, toBase64 } from "../providers/http";
import { env } from "../_generated/server";
import { fail } from "./errors";

/** The AES-GCM key from PROVIDER_TOKEN_KEY; UNAVAILABLE when it is missing or not 32 bytes. */
export async function tokenKey(raw: string | undefined = env.PROVIDER_TOKEN_KEY): Promise<CryptoKey> {
  let bytes: Uint8Array<ArrayBuffer> | undefined;
  try {
    bytes = raw ? fromBase64(raw.trim()) : undefined;
  } catch {
    bytes = undefined;
  }
  if (!bytes || bytes.length !== 32) {
    fail("UNAVAILABLE", "Provider tokens cannot be stored: PROVIDER_TOKEN_KEY is not set to 32 base64 bytes");
  }
  return await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export type Sealed = { ciphertext: string; iv: string };

/** Encrypts `plaintext`; `aad` binds the ciphertext to its owner (a row copied elsewhere will not open). */
export async function seal(key: CryptoKey, plaintext: string, aad: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return { ciphertext: toBase64(new Uint8Array(ct)), iv: toBase64(iv) };
}

/** Decrypts what `seal` produced with the same key and `aad`; throws when anything was altered. */
export async function open(key: CryptoKey, sealed: Sealed, aad: string): Promise<string> {
  const pt = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(sealed.iv), additionalData: new TextEncoder().encode(aad) },
    key,
    fromBase64(sealed.ciphertext),
  );
  return new TextDecoder().decode(pt);
}
