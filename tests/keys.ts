// Clerk-shaped session tokens signed by a key generated for the test run.
import { createSign, generateKeyPair, type KeyObject } from "node:crypto";

export type KeyPair = { privateKey: KeyObject; publicPem: string; kid: string };

/** RSA 2048: Clerk's verifier refuses larger test keys as token-invalid-signature. */
export async function makeKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await new Promise<{ privateKey: KeyObject; publicKey: KeyObject }>(
    (resolve, reject) =>
      generateKeyPair("rsa", { modulusLength: 2048 }, (err, publicKey, privateKey) =>
        err ? reject(err) : resolve({ privateKey, publicKey }),
      ),
  );
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  return { privateKey, publicPem, kid: `ins_${Math.random().toString(36).slice(2, 10)}` };
}

const b64url = (x: string | Buffer) => Buffer.from(x).toString("base64url");

/** The issuer of test tokens (Clerk-shaped), as Convex and the edge see it. */
export const TEST_ISSUER = "https://clerk.autocrea.test";

/** The caller the edge passes to Convex for a verified token of `sub` from TEST_ISSUER. */
export function callerFor(sub: string, profile: { email?: string; name?: string; emailVerified?: boolean } = {}) {
  return { tokenIdentifier: `${TEST_ISSUER}|${sub}`, ...profile };
}

export type SessionClaims = {
  sub: string;
  iss?: string;
  azp?: string;
  email?: string;
  name?: string;
  /** seconds from `now` */
  ttlSec?: number;
  now?: number;
};

export function signSessionToken(keys: Pick<KeyPair, "privateKey" | "kid">, claims: SessionClaims): string {
  const nowSec = Math.floor((claims.now ?? Date.now()) / 1000);
  const header = { alg: "RS256", typ: "JWT", kid: keys.kid };
  const payload: Record<string, unknown> = {
    sub: claims.sub,
    sid: `sess_${claims.sub}`,
    iss: claims.iss ?? TEST_ISSUER,
    azp: claims.azp ?? "http://localhost:5173",
    iat: nowSec - 1,
    nbf: nowSec - 1,
    exp: nowSec + (claims.ttlSec ?? 3600),
  };
  if (claims.email) payload.email = claims.email;
  if (claims.name) payload.name = claims.name;
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = createSign("RSA-SHA256").update(input).sign(keys.privateKey);
  return `${input}.${signature.toString("base64url")}`;
}
