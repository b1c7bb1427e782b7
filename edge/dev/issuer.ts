// Development token issuer: signs Clerk-shaped RS256 session tokens for named development
// users, so the whole stack runs without a Clerk account. Web Crypto only (runs wherever the
// edge runs); the key pair itself comes from config (see scripts/devIssuerKey.ts, which keeps
// it in the ignored file .dev/dev-issuer.json). Never enabled in production (edge/config.ts).

/** What `AUTOCREA_DEV_ISSUER_KEY` carries (JSON): the key pair of the development issuer. */
export type DevIssuerKey = {
  kid: string;
  /** SPKI PEM of the public key: what `verifyToken` gets as `jwtKey`. */
  publicPem: string;
  /** The private key as a JWK (RSA, 2048 bits). */
  privateJwk: JsonWebKey;
};

export type DevAuthConfig = DevIssuerKey & {
  /** `iss` of every development token; also what Convex's auth config expects. */
  issuer: string;
};

/** Audience of development tokens: matches `applicationID` in convex/auth.config.ts. */
export const DEV_AUDIENCE = "convex";
/** Lifetime of a development token. */
export const DEV_TOKEN_TTL_SEC = 24 * 60 * 60;

/** Parses `AUTOCREA_DEV_ISSUER_KEY`; throws a readable error when it is not a key pair. */
export function parseDevIssuerKey(json: string): DevIssuerKey {
  let value: Partial<DevIssuerKey>;
  try {
    value = JSON.parse(json) as Partial<DevIssuerKey>;
  } catch {
    throw new Error("AUTOCREA_DEV_ISSUER_KEY is not valid JSON (npm run dev writes it from .dev/dev-issuer.json)");
  }
  const jwk = value.privateJwk;
  if (
    typeof value.kid !== "string" ||
    typeof value.publicPem !== "string" ||
    !value.publicPem.includes("BEGIN PUBLIC KEY") ||
    !jwk ||
    jwk.kty !== "RSA" ||
    !jwk.n ||
    !jwk.e ||
    !jwk.d
  ) {
    throw new Error("AUTOCREA_DEV_ISSUER_KEY must be { kid, publicPem, privateJwk } of an RSA key pair");
  }
  return { kid: value.kid, publicPem: value.publicPem, privateJwk: jwk };
}

/** The public half as a JWK, as served by /.well-known/jwks.json and given to Convex. */
export function devPublicJwk(key: Pick<DevIssuerKey, "kid" | "privateJwk">) {
  return { kty: "RSA", n: key.privateJwk.n!, e: key.privateJwk.e!, kid: key.kid, alg: "RS256", use: "sig" };
}

export function devJwks(key: Pick<DevIssuerKey, "kid" | "privateJwk">) {
  return { keys: [devPublicJwk(key)] };
}

/** The OpenID discovery document of the development issuer. */
export function devOpenIdConfiguration(issuer: string) {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  };
}

// One imported CryptoKey per key pair (importing costs more than signing).
const signingKeys = new Map<string, Promise<CryptoKey>>();
function signingKey(key: DevIssuerKey): Promise<CryptoKey> {
  const cacheKey = `${key.kid}:${key.privateJwk.n}`;
  let k = signingKeys.get(cacheKey);
  if (!k) {
    const { kty, n, e, d, p, q, dp, dq, qi } = key.privateJwk;
    k = crypto.subtle.importKey(
      "jwk",
      { kty, n, e, d, p, q, dp, dq, qi },
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      false,
      ["sign"],
    );
    signingKeys.set(cacheKey, k);
  }
  return k;
}

const b64url = (bytes: Uint8Array) => {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
const b64urlJson = (value: unknown) => b64url(new TextEncoder().encode(JSON.stringify(value)));

/** `emailVerified` defaults to true: a development user's address is whatever the developer says. */
export type DevUser = { id: string; email?: string; emailVerified?: boolean; name?: string };

/**
 * A session token for `user`, shaped like Clerk's (sub, sid, iss, iat, nbf, exp; azp when
 * given) plus `aud` for Convex and the profile claims the edge reads (email, name). With an
 * email the token says explicitly whether it is verified (`email_verified`, which Convex exposes
 * as `UserIdentity.emailVerified`): only a verified address may take a project invitation.
 */
export async function signDevToken(
  auth: DevAuthConfig,
  user: DevUser,
  opts: { azp?: string; now?: number; ttlSec?: number } = {},
): Promise<{ token: string; expiresAt: number }> {
  const nowSec = Math.floor((opts.now ?? Date.now()) / 1000);
  const exp = nowSec + (opts.ttlSec ?? DEV_TOKEN_TTL_SEC);
  const payload: Record<string, unknown> = {
    sub: user.id,
    sid: `sess_dev_${user.id}`,
    iss: auth.issuer,
    aud: DEV_AUDIENCE,
    iat: nowSec - 1,
    nbf: nowSec - 1,
    exp,
  };
  if (opts.azp) payload.azp = opts.azp;
  if (user.email) {
    payload.email = user.email;
    payload.email_verified = user.emailVerified ?? true;
  }
  if (user.name) payload.name = user.name;
  const input = `${b64urlJson({ alg: "RS256", typ: "JWT", kid: auth.kid })}.${b64urlJson(payload)}`;
  const signature = await crypto.subtle.sign(
    "RSASSA-PKCS1-v1_5",
    await signingKey(auth),
    new TextEncoder().encode(input),
  );
  return { token: `${input}.${b64url(new Uint8Array(signature))}`, expiresAt: exp * 1000 };
}
