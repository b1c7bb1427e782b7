// The edge seam's body checks (convex/lib/edgeHttp.ts): handlers only ever see a JSON object;
// anything else is 400 INVALID before they run, and writes nothing.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { newConvexTest, userRow } from "../convexTest";

beforeAll(() => {
  process.env.EDGE_SECRET ??= randomBytes(24).toString("hex");
});

function post(t: ReturnType<typeof newConvexTest>, path: string, body: string | undefined, userId = "user_seam_body") {
  return t.fetch(path, {
    method: "POST",
    headers: { Authorization: `Bearer ${process.env.EDGE_SECRET}`, "X-User-Id": userId, "Content-Type": "application/json" },
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
    const withObject = await post(t, "/edge/me", JSON.stringify({ email: "seam@example.com" }));
    expect(withObject.status).toBe(200);
    expect(await withObject.json()).toMatchObject({ clerkId: "user_seam_body", email: "seam@example.com" });
    const empty = await post(t, "/edge/me", undefined, "user_seam_empty");
    expect(empty.status).toBe(200);
    expect(await userRow(t, "user_seam_empty")).not.toBeNull();
  });
});
