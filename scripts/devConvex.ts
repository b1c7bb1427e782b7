// Pure helpers around the Convex CLI for `npm run dev`: what to `env set`/`env remove`, the
// file format `env set --from-file` reads, the output of `env list`, the URLs the CLI writes to
// .env.local, and a clear next step when `npx convex dev` stops before it is ready.
import { parseEnv } from "node:util";
import type { ConvexTarget, Env } from "./devConfig";

/** Convex variables read by convex/auth.config.ts: changing one needs a new push. */
export const AUTH_CONFIG_VARS = [
  "AUTOCREA_ENV",
  "CLERK_JWT_ISSUER_DOMAIN",
  "AUTOCREA_DEV_AUTH",
  "AUTOCREA_DEV_ISSUER",
  "AUTOCREA_DEV_JWKS",
];

const set = (v: string | undefined) => v !== undefined && v.trim() !== "";

/** Which names to `env set` and `env remove`, given what the deployment has now; `repush` when auth.config.ts must be re-evaluated. */
export function envChanges(
  desired: { set: Record<string, string>; remove: string[] },
  current: Record<string, string>,
) {
  const toSet = Object.fromEntries(Object.entries(desired.set).filter(([k, v]) => current[k] !== v));
  const toRemove = desired.remove.filter((k) => k in current);
  const repush = AUTH_CONFIG_VARS.some((k) => k in toSet || toRemove.includes(k));
  return { set: toSet, remove: toRemove, repush };
}

/**
 * `npx convex env set --from-file` input, one variable per line. dotenv keeps quoted values
 * literal and has no escapes, so the quote is one the value does not contain.
 */
export function toDotenv(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => {
      const quote = ["'", '"', "`"].find((q) => !v.includes(q));
      if (/[\r\n]/.test(v) || !quote)
        throw new Error(`${k}: this value cannot be written to a .env file (newline or every quote)`);
      return `${k}=${quote}${v}${quote}`;
    })
    .join("\n")
    .concat("\n");
}

/**
 * `npx convex env list --include-values` standard output (.env format; the CLI quotes values
 * that need it) → a map. (Without --include-values the CLI lists names only when it detects
 * an AI agent in the environment.)
 */
export function parseEnvList(stdout: string): Record<string, string> {
  return { ...parseEnv(stdout) } as Record<string, string>;
}

/** The HTTP actions URL of the deployment, from the URLs the Convex CLI writes to .env.local. */
export function convexSiteUrlFrom(env: Env): string | undefined {
  if (set(env.CONVEX_SITE_URL)) return env.CONVEX_SITE_URL;
  const url = env.CONVEX_URL;
  if (!set(url)) return undefined;
  const u = new URL(url!);
  if (u.hostname.endsWith(".convex.cloud")) return url!.replace(/\.convex\.cloud/, ".convex.site").replace(/\/+$/, "");
  // Local backends serve HTTP actions on the next port (3210 → 3211).
  if (u.port) return `${u.protocol}//${u.hostname}:${Number(u.port) + 1}`;
  return undefined;
}

const OFFLINE =
  /Failed to fetch latest backend version|Failed to download|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo|fetch failed/i;

/** A clear next step when `npx convex dev` stops before its first "Convex functions ready!". */
export function explainConvexExit(output: string, target: ConvexTarget, code: number | null): string {
  const stack =
    "`npm run stack` runs the whole backend offline in one process (convex-test instead of a Convex backend).";
  const missingVar = /Environment variable (\S+) is used in auth config file but its value was not set/.exec(output);
  if (missingVar) {
    return `Convex refused convex/auth.config.ts: ${missingVar[1]} is read there but not set on the deployment. Set it with \`npx convex env set ${missingVar[1]} <value>\` and run npm run dev again.`;
  }
  if (OFFLINE.test(output)) {
    return target.kind === "anonymous"
      ? [
          "Convex's local backend could not be downloaded: `npx convex dev` fetches it from version.convex.dev and GitHub, and this machine cannot reach them.",
          `- Offline: ${stack}`,
          "- Or connect once with internet access (the binary is cached afterwards), or use your own Convex deployment: `npx convex login`, `npx convex dev --once` (writes CONVEX_DEPLOYMENT to .env.local), then npm run dev.",
        ].join("\n")
      : `Convex could not reach your deployment ${"deployment" in target ? target.deployment : ""} (network error above). Check your connection, or ${stack}`;
  }
  if (/not logged in|npx convex login|Unauthorized|access token/i.test(output)) {
    return `The Convex CLI needs you to log in for ${"deployment" in target ? target.deployment : "this deployment"}: run \`npx convex login\`, then npm run dev. Or ${stack}`;
  }
  return `\`npx convex dev\` exited${code === null ? "" : ` with code ${code}`} before it was ready; its output is above. ${stack}`;
}
