// Edge configuration, read once from the environment (process.env on Node/Vercel).
export type EdgeConfig = {
  production: boolean;
  convexSiteUrl: string;
  edgeSecret: string;
  /** PEM public key of the Clerk instance (networkless verification). */
  clerkJwtKey: string | undefined;
  /** Origins allowed as the token's `azp` (Clerk authorizedParties). */
  authorizedParties: string[];
  /** Browser origins allowed by CORS. */
  corsOrigins: string[];
  bodyLimitBytes: number;
};

export type Env = Record<string, string | undefined>;

export const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** PEMs in env vars often carry literal "\n"; Clerk needs real newlines. */
export const unescapePem = (pem: string | undefined) => pem?.replace(/\\n/g, "\n");

export function loadConfig(env: Env): EdgeConfig {
  return {
    production: env.NODE_ENV === "production",
    convexSiteUrl: env.CONVEX_SITE_URL ?? "",
    edgeSecret: env.EDGE_SECRET ?? "",
    clerkJwtKey: unescapePem(env.CLERK_JWT_KEY),
    authorizedParties: list(env.CLERK_AUTHORIZED_PARTIES),
    corsOrigins: list(env.CORS_ORIGINS),
    bodyLimitBytes: Number(env.EDGE_BODY_LIMIT_BYTES ?? 1_048_576),
  };
}
