// The edge seam's body checks (convex/lib/edgeHttp.ts): handlers only ever see a JSON object;
// anything else is 400 INVALID before they run, and writes nothing.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { newConvexTest, userRow } from "../convexTest";
import { callerFor } from "../keys";

beforeAll(() => {
  process.env.EDGE_SECRET ??= randomBytes(24).toString("hex");
});

function post(
  t: ReturnType<typeof newConvexTest>,
  path: string,
  body: string | undefined,
  userId = "user_seam_body",
  profile = {},
) {
  return t.fetch(path, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${process.env.EDGE_SECRET}`,
      "X-User-Id": callerFor(userId).tokenIdentifier,
      "X-User-Profile": encodeURIComponent(JSON.stringify(profile)),
      "Content-Type": "application/json",
    },
    body,
  });
}

const NOT_OBJECTS = ["null", "42", "-1.5", '"alice@example.com"', "true", "[]", '[{"email":"alice@example.com"}]'];

describe("edgeAction: the JSON body", () => {
  test.each(NOT_OBJECTS)("%s is refused with 400 INVALID and nothing is written", async (body) => {
    const t = newConvexTest();
    for (const path of ["/edge/me", "/edge/deploy/request", "/edge/deploy/cancel", "/edge/ai/begin"]) {
      const res = await post(t, path, body);
      expect(res.status, path).toBe(400);
      expect(await res.json()).toEqual({ error: { code: "INVALID", message: "Body must be a JSON object" } });
    }
    expect(await userRow(t, "user_seam_body")).toBeNull();
    expect(await t.run(async (ctx) => (await ctx.db.query("deployments").take(1)).length)).toBe(0);
  });

  test("malformed JSON is 400 INVALID too", async () => {
    const t = newConvexTest();
    const res = await post(t, "/edge/me", "{not json");
    expect(res.status).toBe(400);
    expect((await res.json()).error).toEqual({ code: "INVALID", message: "Body is not valid JSON" });
  });

  test("an object, or no body at all (read as {}), reaches the handler", async () => {
    const t = newConvexTest();
    const withObject = await post(t, "/edge/me", "{}", "user_seam_body", { email: "seam@example.com" });
    expect(withObject.status).toBe(200);
    expect(await withObject.json()).toMatchObject({ clerkId: "user_seam_body", email: "seam@example.com" });
    const empty = await post(t, "/edge/me", undefined, "user_seam_empty");
    expect(empty.status).toBe(200);
    expect(await userRow(t, "user_seam_empty")).not.toBeNull();
  });
});

describe("the seam router: bodies as declared in convex/edge/contract.ts", () => {
  test("every declared call is served (a wrong body is refused, not 404)", async () => {
    const { edgeCalls } = await import("../../convex/edge/contract");
    const t = newConvexTest();
    for (const path of Object.keys(edgeCalls)) {
      const res = await post(t, path, JSON.stringify({ unexpected: 1 }));
      expect(res.status, path).toBe(400);
      expect((await res.json()).error, path).toMatchObject({ code: "INVALID", field: expect.any(String) });
    }
  });

  test("a field of the wrong type or an unknown field is 400 INVALID naming it; nothing is written", async () => {
    const t = newConvexTest();
    const wrongType = await post(
      t,
      "/edge/deploy/request",
      JSON.stringify({ projectId: 7, provider: "vercel", environment: "preview" }),
    );
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json()).error).toMatchObject({ code: "INVALID", field: "projectId" });
    const badProvider = await post(
      t,
      "/edge/deploy/request",
      JSON.stringify({ projectId: "p", provider: "heroku", environment: "preview" }),
    );
    expect((await badProvider.json()).error).toMatchObject({ code: "INVALID", field: "provider" });
    const extra = await post(t, "/edge/me", JSON.stringify({ email: "forged@example.com" }));
    expect(extra.status).toBe(400);
    expect(await userRow(t, "user_seam_body")).toBeNull();
  });

  test("X-User-Id must be '<issuer>|<subject>' and the profile URI-encoded JSON", async () => {
    const t = newConvexTest();
    const send = (headers: Record<string, string>) =>
      t.fetch("/edge/me", {
        method: "POST",
        headers: { Authorization: `Bearer ${process.env.EDGE_SECRET}`, ...headers },
        body: "{}",
      });
    expect((await send({ "X-User-Id": "user_without_issuer" })).status).toBe(401);
    const badProfile = await send({
      "X-User-Id": callerFor("user_profile").tokenIdentifier,
      "X-User-Profile": "{not json",
    });
    expect(badProfile.status).toBe(400);
    expect(await userRow(t, "user_profile")).toBeNull();
  });
});
