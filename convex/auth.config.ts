// Who may call Convex with a token (browser queries and mutations):
// - Clerk session tokens from CLERK_JWT_ISSUER_DOMAIN (the Clerk Frontend API URL, e.g.
//   https://your-app.clerk.accounts.dev); `applicationID: "convex"` matches Clerk's "convex"
//   JWT template.
// - Development tokens from the edge's development issuer (`npm run dev`), ONLY when the
//   deployment has AUTOCREA_DEV_AUTH on (1/true/yes/on; 0/false/no/off/disabled/none are off)
//   and AUTOCREA_ENV does not say production (production/prod/staging/preview, any case); a
//   deployment marked production with the flag fails to push, and so does an unknown value of
//   either variable (convex/lib/environment.ts parses them, shared with the edge).
// Convex evaluates this file at push time with the deployment's variables (not the typed
// `env`: it does not exist yet). There, reading an unset variable THROWS
// (AuthConfigMissingEnvironmentVariable); elsewhere it is undefined: `optional` treats both
// as unset, so a fresh deployment pushes without Clerk.
import type { AuthConfig } from "convex/server";
import { environmentMarkers, switchOn } from "./lib/environment";

function optional(name: string): string | undefined {
  try {
    // eslint-disable-next-line @convex-dev/no-process-env
    const value = process.env[name];
    return value && value.trim() ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}

function providers(): AuthConfig["providers"] {
  // NODE_ENV is "production" in every Convex bundle: only AUTOCREA_ENV tells deployments apart.
  const markers = environmentMarkers({ AUTOCREA_ENV: optional("AUTOCREA_ENV") }, ["AUTOCREA_ENV"]);
  const clerkDomain = optional("CLERK_JWT_ISSUER_DOMAIN");
  const list: AuthConfig["providers"] = [];
  if (clerkDomain) list.push({ domain: clerkDomain, applicationID: "convex" });
  else if (markers.production) {
    throw new Error(`${markers.production} needs CLERK_JWT_ISSUER_DOMAIN: without it nobody can sign in.`);
  }

  if (!switchOn("AUTOCREA_DEV_AUTH", optional("AUTOCREA_DEV_AUTH"))) return list;
  if (markers.production) {
    throw new Error(
      `AUTOCREA_DEV_AUTH is set on a deployment marked ${markers.production}: development sign-in never runs in production. Remove it: npx convex env remove AUTOCREA_DEV_AUTH --prod`,
    );
  }
  const issuer = optional("AUTOCREA_DEV_ISSUER");
  if (!issuer) throw new Error("AUTOCREA_DEV_AUTH needs AUTOCREA_DEV_ISSUER (npm run dev sets it to the edge's URL)");
  list.push({
    type: "customJwt",
    issuer,
    // A data: URI (npm run dev sets one) needs no network; else the edge serves the JWKS.
    jwks: optional("AUTOCREA_DEV_JWKS") ?? `${issuer.replace(/\/+$/, "")}/.well-known/jwks.json`,
    algorithm: "RS256",
    applicationID: "convex",
  });
  return list;
}

export default { providers: providers() } satisfies AuthConfig;
