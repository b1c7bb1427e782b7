// Clerk session tokens at the edge, through the whole stack: bad tokens are refused with
// 401 UNAUTHENTICATED and a `reason`, and never reach Convex; a good one creates the user row.
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../edge/config";
import { createApp } from "../../edge/app";
import { createConvexSeam } from "../../edge/convex";
import { createHmac, createSign, generateKeyPairSync } from "node:crypto";
import { makeKeyPair, signSessionToken, type KeyPair } from "../keys";
import { userRow as userRowOf } from "../convexTest";
import { STACK_ORIGIN } from "../stack";
import { stackForFile } from "../stackForFile";

const stack = stackForFile();

const HOUR = 3_600_000;

const userRow = (clerkId: string) => userRowOf(stack.t, clerkId);

async function getMe(authorization?: string) {
  const res = await fetch(`${stack.edgeUrl}/api/me`, {
    headers: authorization ? { Authorization: authorization } : {},
  });
  return { res, body: await res.json() };
}

async function expectRefused(clerkId: string, authorization: string | undefined, reason: string) {
  const before = stack.seamCalls.length;
  const { res, body } = await getMe(authorization);
  expect(res.status).toBe(401);
  expect(res.headers.get("WWW-Authenticate")).toContain("Bearer");
  expect(body.error).toMatchObject({ code: "UNAUTHENTICATED", reason });
  expect(typeof body.error.message).toBe("string");
  // Refused at the edge: Convex was not called and no user row exists.
  expect(stack.seamCalls.length).toBe(before);
  expect(await userRow(clerkId)).toBeNull();
}

describe("GET /api/me refuses bad tokens with 401 and a reason", () => {
  test("missing token", async () => {
    await expectRefused("user_none", undefined, "token-missing");
  });

  test("another scheme, or an empty bearer", async () => {
    await expectRefused("user_none", "Basic dXNlcjpwYXNz", "token-missing");
    await expectRefused("user_none", "Bearer ", "token-missing");
  });

  test("malformed token", async () => {
    await expectRefused("user_none", "Bearer not.a.jwt", "token-invalid");
    await expectRefused("user_none", "Bearer abc", "token-invalid");
  });

  test("expired token (signed an hour and a half ago, valid for an hour)", async () => {
    const token = stack.signToken({ sub: "user_expired", now: stack.now() - 1.5 * HOUR, ttlSec: 3600 });
    await expectRefused("user_expired", `Bearer ${token}`, "token-expired");
  });

  test("a token expires when the stack clock passes its exp", async () => {
    const token = stack.signToken({ sub: "user_later", ttlSec: 60 });
    const fresh = await getMe(`Bearer ${token}`);
    expect(fresh.res.status).toBe(200);
    await stack.advance(61_000 + 5_000); // Clerk allows 5 s of clock skew
    const { res, body } = await getMe(`Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(body.error.reason).toBe("token-expired");
  });

  test("token not active yet (issued in the future)", async () => {
    const token = stack.signToken({ sub: "user_future", now: stack.now() + HOUR });
    const { res, body } = await getMe(`Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(["token-not-active-yet", "token-iat-in-the-future"]).toContain(body.error.reason);
    expect(await userRow("user_future")).toBeNull();
  });

  test("forged token (signed by another key)", async () => {
    const token = await stack.forgeToken({ id: "user_forged" });
    await expectRefused("user_forged", `Bearer ${token}`, "token-invalid-signature");
  });

  test("tampered payload (sub changed after signing)", async () => {
    const [h, p, s] = stack.signToken({ sub: "user_honest" }).split(".");
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    const tampered = Buffer.from(JSON.stringify({ ...payload, sub: "user_admin" })).toString("base64url");
    await expectRefused("user_admin", `Bearer ${h}.${tampered}.${s}`, "token-invalid-signature");
  });

  test("wrong azp (issued for another origin)", async () => {
    const token = stack.signToken({ sub: "user_azp", azp: "https://evil.example" });
    await expectRefused("user_azp", `Bearer ${token}`, "token-invalid-authorized-parties");
  });
});

describe("a valid token", () => {
  test("→ 200 with the verified caller; the users row exists afterwards", async () => {
    expect(await userRow("user_new")).toBeNull();
    const token = stack.signToken({ sub: "user_new", email: "New@Example.com", name: "New Person" });
    const { res, body } = await getMe(`Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      clerkId: "user_new",
      email: "new@example.com",
      name: "New Person",
      role: "user",
      plan: "free",
    });
    const row = await userRow("user_new");
    expect(row).toMatchObject({ clerkId: "user_new", email: "new@example.com", role: "user" });
    expect(body.id).toBe(row!._id);
  });

  test("the user id comes from the token, never from a client header", async () => {
    const token = stack.signToken({ sub: "user_real" });
    const res = await fetch(`${stack.edgeUrl}/api/me`, {
      headers: { Authorization: `Bearer ${token}`, "X-User-Id": "user_victim", Origin: STACK_ORIGIN },
    });
    expect(res.status).toBe(200);
    expect((await res.json()).clerkId).toBe("user_real");
    expect(await userRow("user_victim")).toBeNull();
  });

  test("the same token twice is the same user (one row)", async () => {
    const token = await stack.signIn({ id: "user_twice", email: "twice@example.com" });
    const a = await getMe(`Bearer ${token}`);
    const b = await getMe(`Bearer ${token}`);
    expect(a.body.id).toBe(b.body.id);
    const rows = await stack.t.run(async (ctx) =>
      ctx.db
        .query("users")
        .withIndex("by_clerkId", (q) => q.eq("clerkId", "user_twice"))
        .take(5),
    );
    expect(rows).toHaveLength(1);
  });
});

describe("configuration", () => {
  const noConvex = createConvexSeam({ siteUrl: "", secret: "" });

  test("a PEM with literal \\n (as env vars carry it) verifies", async () => {
    const keys = await makeKeyPair();
    const config = loadConfig({
      CLERK_JWT_KEY: keys.publicPem.replace(/\n/g, "\\n"),
      CLERK_AUTHORIZED_PARTIES: STACK_ORIGIN,
    });
    const seam = { ...noConvex, call: async () => ({ clerkId: "user_pem" }) } as typeof noConvex;
    const app = createApp({ config, convex: seam, log: () => {} });
    const token = signSessionToken(keys, { sub: "user_pem", azp: STACK_ORIGIN });
    const res = await app.request("/api/me", { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  test("without CLERK_JWT_KEY sign-in is unavailable (503), not a crash", async () => {
    const app = createApp({ config: loadConfig({}), convex: noConvex, log: () => {} });
    const res = await app.request("/api/me", { headers: { Authorization: "Bearer x.y.z" } });
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe("UNAVAILABLE");
  });
});

describe("token headers and claims (Clerk's verifyToken, with verified tokens remembered until they expire)", () => {
  const noConvex = createConvexSeam({ siteUrl: "", secret: "" });
  const b64 = (x: unknown) => Buffer.from(JSON.stringify(x)).toString("base64url");
  const nowSec = () => Math.floor(Date.now() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({
    sub: "user_hdr",
    iss: "https://clerk.autocrea.test",
    azp: STACK_ORIGIN,
    iat: nowSec() - 1,
    nbf: nowSec() - 1,
    exp: nowSec() + 600,
    ...extra,
  });
  const rs256 = (keys: KeyPair, header: Record<string, unknown>, payload: Record<string, unknown>) => {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${createSign("RSA-SHA256").update(input).sign(keys.privateKey).toString("base64url")}`;
  };
  async function appFor(keys: KeyPair) {
    const config = loadConfig({ CLERK_JWT_KEY: keys.publicPem, CLERK_AUTHORIZED_PARTIES: STACK_ORIGIN });
    const seam = { ...noConvex, call: async () => ({ clerkId: "user_hdr" }) } as typeof noConvex;
    return createApp({ config, convex: seam, log: () => {} });
  }
  async function outcome(app: Awaited<ReturnType<typeof appFor>>, token: string) {
    const res = await app.request("/api/me", { headers: { Authorization: `Bearer ${token}` } });
    return res.status === 200 ? "accepted" : `${res.status} ${(await res.json()).error.reason}`;
  }

  test("only RS256 session tokens signed by the configured key pass, each verified in full", async () => {
    const keys = await makeKeyPair();
    const app = await appFor(keys);
    const header = { alg: "RS256", typ: "JWT", kid: keys.kid };
    expect(await outcome(app, rs256(keys, header, claims()))).toBe("accepted");
    expect(await outcome(app, rs256(keys, { alg: "RS256", kid: keys.kid }, claims()))).toBe("accepted");
    // Algorithm confusion: an HMAC "signed" with the public key as its secret; and no signature at all.
    const hsInput = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims())}`;
    const hs = `${hsInput}.${createHmac("sha256", keys.publicPem).update(hsInput).digest("base64url")}`;
    expect(await outcome(app, hs)).toBe("401 token-invalid-algorithm");
    expect(await outcome(app, `${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`)).toBe(
      "401 token-invalid-algorithm",
    );
    expect(await outcome(app, rs256(keys, { ...header, typ: "at+jwt" }, claims()))).toBe("401 token-invalid");
    // A machine-to-machine token of the same instance is never a session token.
    expect(await outcome(app, rs256(keys, { ...header, cat: "cl_B7d4PD333AAA" }, claims()))).toMatch(/^401 token-/);
    expect(await outcome(app, rs256(keys, header, claims({ exp: undefined })))).toMatch(/^401 token-/);
    expect(await outcome(app, rs256(keys, header, claims({ sub: 42 })))).toMatch(/^401 token-/);
    expect(await outcome(app, rs256(keys, header, claims({ azp: undefined })))).toBe(
      "401 token-invalid-authorized-parties",
    );
    expect(await outcome(app, rs256(keys, header, claims({ iat: nowSec() + 60, nbf: undefined })))).toBe(
      "401 token-iat-in-the-future",
    );
    expect(await outcome(app, rs256(keys, header, claims({ exp: nowSec() - 10 })))).toBe("401 token-expired");
    // Within Clerk's 5 s allowance for clock skew.
    expect(await outcome(app, rs256(keys, header, claims({ exp: nowSec() - 2 })))).toBe("accepted");
  });

  test("each app verifies with its own key, not with a key parsed earlier for another", async () => {
    const keys = await makeKeyPair();
    const other = await makeKeyPair();
    const [app, otherApp] = [await appFor(keys), await appFor(other)];
    const header = { alg: "RS256", typ: "JWT" };
    expect(await outcome(app, rs256(keys, header, claims()))).toBe("accepted");
    expect(await outcome(otherApp, rs256(keys, header, claims()))).toBe("401 token-invalid-signature");
    expect(await outcome(otherApp, rs256(other, header, claims()))).toBe("accepted");
    expect(await outcome(app, rs256(other, header, claims()))).toBe("401 token-invalid-signature");
  });

  test("a configured key that is not RSA verifies nothing (an ECDSA signature labelled RS256 is refused)", async () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const publicPem = ec.publicKey.export({ type: "spki", format: "pem" }).toString();
    const app = await appFor({ privateKey: ec.privateKey, publicPem, kid: "ec" });
    const input = `${b64({ alg: "RS256", typ: "JWT" })}.${b64(claims())}`;
    const token = `${input}.${createSign("SHA256").update(input).sign(ec.privateKey).toString("base64url")}`;
    expect(await outcome(app, token)).toBe("401 token-invalid-signature");
  });

  test("a remembered token is refused once it expires, with Clerk's reason", async () => {
    const keys = await makeKeyPair();
    const app = await appFor(keys);
    const token = rs256(keys, { alg: "RS256", typ: "JWT" }, claims({ exp: nowSec() + 2 }));
    expect(await outcome(app, token)).toBe("accepted");
    expect(await outcome(app, token)).toBe("accepted");
    await stack.advance(7_001); // the stack's clock moves Date: past exp and Clerk's 5 s allowance
    expect(await outcome(app, token)).toBe("401 token-expired");
  });
});
