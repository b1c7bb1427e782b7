// Through the whole stack (edge + Convex + fake Claude): a plan bought through a signed
// Stripe webhook applies to the very next AI request, and a downgrade does too.
import { emptyTotals } from "../../convex/lib/usageRollup";
import { beforeAll, expect, test } from "vitest";
import { aiCall, aiTestStack, today } from "../ai/helpers";
import { billingEnv, DAY, sendStripe, stripeEvent, subscription } from "./helpers";

const { stack, freshUser } = aiTestStack("user_billing_upgrade");
beforeAll(() => billingEnv());

test("upgrade → the next AI request gets the new plan's limits and models; the subscription's end → free again", async () => {
  const { token, userId } = await freshUser();
  // On free: Opus is not in the plan, and 100 requests today is the free quota.
  await stack.t.run(async (ctx) => {
    await ctx.db.insert("usageDaily", {
      userId,
      day: today(stack),
      ...emptyTotals(),
      requests: 100,
      byType: { explain: 100 },
    });
  });
  let res = await aiCall(stack, token, "explain", { code: "const a = 1", language: "ts", model: "claude-opus-5-5" });
  expect(res.status).toBe(403);
  res = await aiCall(stack, token, "explain", { code: "const a = 1", language: "ts" });
  expect((await res.json()).error).toMatchObject({ code: "QUOTA_EXCEEDED", plan: "free" });

  const now = stack.now();
  const period = { userId, plan: "pro" as const, start: now, end: now + 30 * DAY };
  expect(
    (await sendStripe(stack.t, stripeEvent("evt_up", "customer.subscription.created", subscription(period), now))).body
      .result,
  ).toBe("applied");
  res = await aiCall(stack, token, "explain", { code: "const a = 1", language: "ts", model: "claude-opus-5-5" });
  expect(res.status).toBe(200);
  await res.text();
  expect(JSON.parse(stack.fakes.anthropic.requests.at(-1)!.body).model).toBe("claude-opus-5-5");

  await stack.advance(1000);
  await sendStripe(
    stack.t,
    stripeEvent(
      "evt_end",
      "customer.subscription.deleted",
      subscription({ ...period, status: "canceled" }),
      stack.now(),
    ),
  );
  res = await aiCall(stack, token, "explain", { code: "const a = 1", language: "ts", model: "claude-opus-5-5" });
  expect(res.status).toBe(403);
});
