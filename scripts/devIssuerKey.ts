// The development issuer's RS256 key pair, generated once and kept in the ignored file
// .dev/dev-issuer.json, so tokens printed yesterday still verify today and the JWKS Convex
// was given keeps matching. Node only (npm run dev, tests); the edge gets the key as
// AUTOCREA_DEV_ISSUER_KEY.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseDevIssuerKey, type DevIssuerKey } from "../edge/dev/issuer";

export const DEV_ISSUER_FILE = ".dev/dev-issuer.json";

/** A fresh key pair. RSA 2048: Clerk's verifier refuses larger keys as token-invalid-signature. */
export function createDevIssuerKey(): DevIssuerKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    kid: `dev_${randomBytes(6).toString("hex")}`,
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateJwk: privateKey.export({ format: "jwk" }) as JsonWebKey,
  };
}

/** Reads the key pair from `file`, creating the file (mode 600) on first use or when it is unreadable. */
export function loadOrCreateDevIssuerKey(file = DEV_ISSUER_FILE): { key: DevIssuerKey; created: boolean } {
  if (existsSync(file)) {
    try {
      return { key: parseDevIssuerKey(readFileSync(file, "utf8")), created: false };
    } catch {
      // A damaged file is replaced: development tokens signed with it simply stop verifying.
    }
  }
  const key = createDevIssuerKey();
  mkdirSync(dirname(file), { recursive: true });
  // `mode` applies only to a file created here: a damaged one being replaced goes first.
  rmSync(file, { force: true });
  writeFileSync(file, JSON.stringify({ ...key, createdAt: new Date().toISOString() }, null, 2) + "\n", { mode: 0o600 });
  return { key, created: true };
}
