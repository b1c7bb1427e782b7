// convex/auth.config.ts under the environments it is pushed with: the development issuer is
// accepted only with AUTOCREA_DEV_AUTH and never on a deployment marked production.
import { afterEach, describe, expect, test, vi } from "vitest";

const VARS = [
  "CLERK_JWT_ISSUER_DOMAIN",
  "AUTOCREA_ENV",
  "AUTOCREA_DEV_AUTH",
  "AUTOCREA_DEV_ISSUER",
  "AUTOCREA_DEV_JWKS",
];
const CLERK = "https://autocrea.clerk.accounts.dev";
const JWKS = "data:text/plain;charset=utf-8;base64,eyJrZXlzIjpbXX0=";
const DEV = { AUTOCREA_DEV_AUTH: "1", AUTOCREA_DEV_ISSUER: "http://127.0.0.1:8787", AUTOCREA_DEV_JWKS: JWKS };
const realEnv = process.env;

/** Imports auth.config.ts afresh with exactly `vars` set (the rest of VARS unset). */
async function authConfigWith(vars: Record<string, string>) {
  vi.resetModules();
  for (const v of VARS) delete process.env[v];
  Object.assign(process.env, vars);
  return (await import("../../convex/auth.config")).default;
}

/**
 * Convex's own evaluation: reading a variable the deployment does not have THROWS
 * (AuthConfigMissingEnvironmentVariable) instead of returning undefined.
 */
async function authConfigAsConvexEvaluatesIt(vars: Record<string, string>) {
  vi.resetModules();
  const env = new Proxy({} as Record<string, string>, {
    get(_t, name) {
      if (typeof name !== "string") return undefined;
      if (name in vars) return vars[name];
      throw new Error(`Environment variable ${name} is used in auth config file but its value was not set`);
    },
  });
  Object.defineProperty(process, "env", { value: env, configurable: true, writable: true });
  try {
    return (await import("../../convex/auth.config")).default;
  } finally {
    Object.defineProperty(process, "env", { value: realEnv, configurable: true, writable: true });
  }
}

const devProvider = {
  type: "customJwt",
  issuer: DEV.AUTOCREA_DEV_ISSUER,
  jwks: JWKS,
  algorithm: "RS256",
  applicationID: "convex",
};
const clerkProvider = { domain: CLERK, applicationID: "convex" };

afterEach(() => {
  for (const v of VARS) delete process.env[v];
});

describe("convex/auth.config.ts", () => {
  test("Clerk only when its issuer is set; a fresh deployment pushes with no provider", async () => {
    expect((await authConfigWith({ CLERK_JWT_ISSUER_DOMAIN: CLERK })).providers).toEqual([clerkProvider]);
    expect((await authConfigWith({})).providers).toEqual([]);
  });

  test("the development issuer only with AUTOCREA_DEV_AUTH", async () => {
    expect((await authConfigWith({ ...DEV })).providers).toEqual([devProvider]);
    expect((await authConfigWith({ ...DEV, CLERK_JWT_ISSUER_DOMAIN: CLERK })).providers).toEqual([
      clerkProvider,
      devProvider,
    ]);
    const { AUTOCREA_DEV_AUTH: _flag, ...withoutFlag } = DEV;
    expect((await authConfigWith(withoutFlag)).providers).toEqual([]);
    expect((await authConfigWith({ ...DEV, AUTOCREA_DEV_AUTH: "0" })).providers).toEqual([]);
  });

  test("without AUTOCREA_DEV_JWKS the edge's JWKS URL is used", async () => {
    const { AUTOCREA_DEV_JWKS: _jwks, ...noJwks } = DEV;
    const [p] = (await authConfigWith(noJwks)).providers;
    expect(p).toMatchObject({ type: "customJwt", jwks: "http://127.0.0.1:8787/.well-known/jwks.json" });
    await expect(authConfigWith({ AUTOCREA_DEV_AUTH: "1" })).rejects.toThrow(/AUTOCREA_DEV_ISSUER/);
  });

  test("never on a production deployment: the flag there fails the push", async () => {
    const prod = { AUTOCREA_ENV: "production", CLERK_JWT_ISSUER_DOMAIN: CLERK };
    expect((await authConfigWith(prod)).providers).toEqual([clerkProvider]);
    // Issuer and JWKS alone (no flag) add nothing.
    const { AUTOCREA_DEV_AUTH: _flag, ...devVars } = DEV;
    expect((await authConfigWith({ ...prod, ...devVars })).providers).toEqual([clerkProvider]);
    await expect(authConfigWith({ ...prod, ...DEV })).rejects.toThrow(
      /AUTOCREA_DEV_AUTH is set on a deployment marked AUTOCREA_ENV=production/,
    );
    await expect(authConfigWith({ AUTOCREA_ENV: "production" })).rejects.toThrow(/needs CLERK_JWT_ISSUER_DOMAIN/);
  });

  test("production in any case or spacing (and prod) fails the push with the flag; unknown values fail it too", async () => {
    for (const marker of ["Production", "PRODUCTION", " production", "prod"]) {
      await expect(
        authConfigWith({ AUTOCREA_ENV: marker, CLERK_JWT_ISSUER_DOMAIN: CLERK, ...DEV }),
        marker,
      ).rejects.toThrow(/never runs in production/);
      await expect(authConfigWith({ AUTOCREA_ENV: marker }), marker).rejects.toThrow(/needs CLERK_JWT_ISSUER_DOMAIN/);
    }
    await expect(authConfigWith({ AUTOCREA_ENV: "prodution", CLERK_JWT_ISSUER_DOMAIN: CLERK })).rejects.toThrow(
      /AUTOCREA_ENV="prodution"/,
    );
    await expect(authConfigWith({ ...DEV, AUTOCREA_DEV_AUTH: "perhaps" })).rejects.toThrow(
      /AUTOCREA_DEV_AUTH="perhaps"/,
    );
    expect((await authConfigWith({ ...DEV, AUTOCREA_ENV: " Development " })).providers).toEqual([devProvider]);
  });

  test("AUTOCREA_DEV_AUTH=disabled / none / off / false add no development issuer", async () => {
    for (const off of ["disabled", "none", "off", "false", "OFF"]) {
      expect((await authConfigWith({ ...DEV, AUTOCREA_DEV_AUTH: off })).providers, off).toEqual([]);
    }
  });

  test("evaluates where Convex throws on unset variables (no AuthConfigMissingEnvironmentVariable)", async () => {
    expect((await authConfigAsConvexEvaluatesIt({})).providers).toEqual([]);
    expect((await authConfigAsConvexEvaluatesIt({ CLERK_JWT_ISSUER_DOMAIN: CLERK })).providers).toEqual([
      clerkProvider,
    ]);
    expect((await authConfigAsConvexEvaluatesIt({ ...DEV })).providers).toEqual([devProvider]);
    await expect(
      authConfigAsConvexEvaluatesIt({ ...DEV, AUTOCREA_ENV: "production", CLERK_JWT_ISSUER_DOMAIN: CLERK }),
    ).rejects.toThrow(/never runs in production/);
  });
});
