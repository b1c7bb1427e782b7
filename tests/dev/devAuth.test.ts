// Development sign-in on the edge: accepted in development through the same requireAuth as
// Clerk tokens, refused in every form in production.
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../edge/config";
import { signDevToken, type DevIssuerKey } from "../../edge/dev/issuer";
import { appFromEnv } from "../../edge/index";
import { createDevIssuerKey } from "../../scripts/devIssuerKey";
import { bearer, edgeApp, ORIGIN } from "../edge/helpers";

const key: DevIssuerKey = createDevIssuerKey();
const DEV_ENV = {
  NODE_ENV: "development",
  CLERK_JWT_KEY: undefined,
  AUTOCREA_DEV_AUTH: "1",
  AUTOCREA_DEV_ISSUER: "http://127.0.0.1:8787",
  AUTOCREA_DEV_ISSUER_KEY: JSON.stringify(key),
};
const ada = { id: "user_dev_ada", email: "ada@autocrea.dev", name: "Ada Lovelace" };

async function signIn(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  body: unknown,
  headers: Record<string, string> = {},
) {
  return app.request("/dev/sign-in", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
const decode = (token: string) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());

describe("development sign-in, in development", () => {
  test("POST /dev/sign-in issues a token that GET /api/me accepts (same requireAuth, same seam)", async () => {
    const { app, seamRequests } = await edgeApp({ env: DEV_ENV });
    const res = await signIn(app, ada, { Origin: ORIGIN });
    expect(res.status).toBe(200);
    const { token, userId, expiresAt } = await res.json();
    expect(userId).toBe("user_dev_ada");
    expect(expiresAt).toBeGreaterThan(Date.now());
    // Clerk-shaped claims + `aud` for Convex; `azp` is the calling origin when it is an authorized party.
    expect(decode(token)).toMatchObject({
      sub: "user_dev_ada",
      iss: "http://127.0.0.1:8787",
      aud: "convex",
      azp: ORIGIN,
      email: ada.email,
      email_verified: true,
    });

    const me = await app.request("/api/me", { headers: bearer(token) });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ clerkId: "user_dev_ada", email: ada.email, name: ada.name });
    const call = seamRequests.find((r) => r.path === "/edge/me")!;
    expect(call.headers.get("X-User-Id")).toBe("http://127.0.0.1:8787|user_dev_ada");
  });

  test("an empty CLERK_JWT_KEY (a .env copied from .env.example) counts as no Clerk", async () => {
    const { app } = await edgeApp({ env: { ...DEV_ENV, CLERK_JWT_KEY: "" } });
    const { token } = await (await signIn(app, ada)).json();
    expect((await app.request("/api/me", { headers: bearer(token) })).status).toBe(200);
  });

  test("discovery document and JWKS describe the issuer and its key", async () => {
    const { app } = await edgeApp({ env: DEV_ENV });
    const oidc = await (await app.request("/.well-known/openid-configuration")).json();
    expect(oidc).toMatchObject({
      issuer: "http://127.0.0.1:8787",
      jwks_uri: "http://127.0.0.1:8787/.well-known/jwks.json",
    });
    const jwks = await (await app.request("/.well-known/jwks.json")).json();
    expect(jwks.keys).toEqual([
      { kty: "RSA", n: key.privateJwk.n, e: key.privateJwk.e, kid: key.kid, alg: "RS256", use: "sig" },
    ]);
    // A token's header names that key.
    const { token } = await signDevToken(loadConfig(DEV_ENV).devAuth!, ada);
    expect(JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString())).toEqual({
      alg: "RS256",
      typ: "JWT",
      kid: key.kid,
    });
  });

  test("bad sign-in bodies are INVALID and issue nothing", async () => {
    const { app } = await edgeApp({ env: DEV_ENV });
    for (const body of [
      "not json",
      {},
      { id: "a b", email: "a@b.dev" },
      { id: "ok", email: "nope" },
      { id: "x".repeat(65), email: "a@b.dev" },
    ]) {
      const res = await signIn(app, body);
      expect(res.status).toBe(400);
      const json = await res.json();
      expect(json.error.code).toBe("INVALID");
      expect(json.token).toBeUndefined();
    }
    // The message and `field` name the first bad field.
    const bad = await (await signIn(app, { id: "ok", email: "nope" })).json();
    expect(bad.error).toMatchObject({ code: "INVALID", field: "email", message: expect.stringMatching(/^email: /) });
  });

  test("an expired development token is 401 token-expired", async () => {
    const { app } = await edgeApp({ env: DEV_ENV });
    const { token } = await signDevToken(loadConfig(DEV_ENV).devAuth!, ada, {
      azp: ORIGIN,
      now: Date.now() - 2 * 86_400_000,
    });
    const res = await app.request("/api/me", { headers: bearer(token) });
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatchObject({ code: "UNAUTHENTICATED", reason: "token-expired" });
  });

  test("is off without the explicit flag, and Clerk wins when both are configured", async () => {
    for (const env of [
      { ...DEV_ENV, AUTOCREA_DEV_AUTH: undefined },
      { ...DEV_ENV, AUTOCREA_DEV_AUTH: "0" },
      { ...DEV_ENV, CLERK_JWT_KEY: undefined, AUTOCREA_DEV_AUTH: "false" },
    ]) {
      expect(loadConfig(env).devAuth).toBeNull();
    }
    const { app } = await edgeApp({ env: { ...DEV_ENV, CLERK_JWT_KEY: (await edgeApp()).keys.publicPem } });
    expect((await signIn(app, ada)).status).toBe(404);
    const { token } = await signDevToken(loadConfig(DEV_ENV).devAuth!, ada);
    expect((await app.request("/api/me", { headers: bearer(token) })).status).toBe(401);
  });

  test("the flag without a key is a start-up error that says what to do", () => {
    expect(() => loadConfig({ ...DEV_ENV, AUTOCREA_DEV_ISSUER_KEY: undefined })).toThrow(/AUTOCREA_DEV_ISSUER_KEY/);
    expect(() => loadConfig({ ...DEV_ENV, AUTOCREA_DEV_ISSUER_KEY: "{}" })).toThrow(/AUTOCREA_DEV_ISSUER_KEY/);
  });
});

describe("development sign-in, in production", () => {
  test("AUTOCREA_DEV_AUTH with NODE_ENV=production stops start-up (loadConfig and appFromEnv)", () => {
    const env = { ...DEV_ENV, NODE_ENV: "production" };
    expect(() => loadConfig(env)).toThrow(/AUTOCREA_DEV_AUTH is set with NODE_ENV=production/);
    expect(() => appFromEnv(env)).toThrow(/never runs in production/);
    // Even beside a Clerk key.
    expect(() => loadConfig({ ...env, CLERK_JWT_KEY: "-----BEGIN PUBLIC KEY-----" })).toThrow(/NODE_ENV=production/);
  });

  test("a deployment whose NODE_ENV says otherwise is still production: AUTOCREA_ENV, Vercel production and preview", () => {
    const deployed = [{ AUTOCREA_ENV: "production" }, { VERCEL_ENV: "production" }, { VERCEL_ENV: "preview" }];
    for (const marker of deployed) {
      const [name, value] = Object.entries(marker)[0];
      for (const nodeEnv of [undefined, "development"]) {
        expect(() => loadConfig({ ...DEV_ENV, ...marker, NODE_ENV: nodeEnv })).toThrow(
          `AUTOCREA_DEV_AUTH is set with ${name}=${value}`,
        );
        expect(() => loadConfig({ ...marker, NODE_ENV: nodeEnv, AUTOCREA_MOCK_SERVICES: "vercel" })).toThrow(
          /AUTOCREA_MOCK_SERVICES/,
        );
      }
    }
    // `vercel dev` on a laptop is development.
    expect(loadConfig({ ...DEV_ENV, VERCEL_ENV: "development" }).devAuth).not.toBeNull();
  });

  test("no issuer routes (404) and a development token is 401, even with the key in the environment", async () => {
    const { app, seamRequests } = await edgeApp({
      env: {
        NODE_ENV: "production",
        AUTOCREA_DEV_ISSUER_KEY: JSON.stringify(key),
        AUTOCREA_DEV_ISSUER: "http://127.0.0.1:8787",
      },
    });
    expect((await signIn(app, ada)).status).toBe(404);
    expect((await app.request("/.well-known/openid-configuration")).status).toBe(404);
    expect((await app.request("/.well-known/jwks.json")).status).toBe(404);

    const { token } = await signDevToken({ ...key, issuer: "http://127.0.0.1:8787" }, ada, { azp: ORIGIN });
    const res = await app.request("/api/me", { headers: bearer(token) });
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatchObject({ code: "UNAUTHENTICATED", reason: "token-invalid-signature" });
    expect(seamRequests.filter((r) => r.path === "/edge/me")).toEqual([]);
  });

  test("production without Clerk has no sign-in at all", async () => {
    const { app } = await edgeApp({ env: { NODE_ENV: "production", CLERK_JWT_KEY: undefined } });
    expect((await signIn(app, ada)).status).toBe(404);
    const { token } = await signDevToken({ ...key, issuer: "http://127.0.0.1:8787" }, ada);
    const res = await app.request("/api/me", { headers: bearer(token) });
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe("UNAVAILABLE");
  });

  test("mocked services are refused in production too", () => {
    expect(() => loadConfig({ NODE_ENV: "production", AUTOCREA_MOCK_SERVICES: "anthropic" })).toThrow(
      /AUTOCREA_MOCK_SERVICES/,
    );
  });
});
