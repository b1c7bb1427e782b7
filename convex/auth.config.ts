// Who may call Convex with a token (browser queries and mutations):
// - Clerk session tokens from CLERK_JWT_ISSUER_DOMAIN (the Clerk Frontend API URL, e.g.
//   https://your-app.clerk.accounts.dev); `applicationID: "convex"` matches Clerk's "convex"
//   JWT template.
// - Development tokens from the edge's development issuer (`npm run dev`), ONLY when the
//   deployment has AUTOCREA_DEV_AUTH and is not marked AUTOCREA_ENV=production; a deployment
//   marked production with the flag fails to push.
// Convex evaluates this file at push time with the deployment's variables (not the typed
// `env`: it does not exist yet). There, reading an unset variable THROWS
// (AuthConfigMissingEnvironmentVariable); elsewhere it is undefined: `optional` treats both
// as unset, so a fresh deployment pushes without Clerk.
import type { AuthConfig } from "convex/server";

function optional(name: string): string | undefined {
  try {
    // eslint-disable-next-line @convex-dev/no-process-env
    const value = process.env[name];
    return value && value.trim() ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}

const isOn = (value: string | undefined) => !!value && !["0", "false", "no", "off"].includes(value.toLowerCase());

function providers(): AuthConfig["providers"] {
  const production = optional("AUTOCREA_ENV") === "production";
  const clerkDomain = optional("CLERK_JWT_ISSUER_DOMAIN");
  const list: AuthConfig["providers"] = [];
  if (clerkDomain) list.push({ domain: clerkDomain, applicationID: "convex" });
  else if (production) {
    throw new Error("AUTOCREA_ENV=production needs CLERK_JWT_ISSUER_DOMAIN: without it nobody can sign in.");
  }

  if (!isOn(optional("AUTOCREA_DEV_AUTH"))) return list;
  if (production) {
    throw new Error(
      "AUTOCREA_DEV_AUTH is set on a deployment marked AUTOCREA_ENV=production: development sign-in never runs in production. Remove it: npx convex env remove AUTOCREA_DEV_AUTH --prod",
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
