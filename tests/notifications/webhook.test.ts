import { describe, expect, test } from "vitest";
import { expectCode } from "../convex/helpers";
import { api, SETTLE_MS, attemptsOf, deliveriesOf, notifyStackForFile, raise, signedIn } from "./helpers";

const { stack, fakes, secret } = notifyStackForFile();

describe("signed webhooks", () => {
  test("a receiver using the standardwebhooks library verifies the delivery; payload is { type, timestamp, data }", async () => {
    const { as, userId } = await signedIn(stack, "user_wh1");
    const { channelId, secret: s } = await as.mutation(api.notificationChannels.create, {
      kind: "webhook",
      name: "CI",
      target: `${fakes.webhook.url}/hooks`,
    });
    secret.value = s!;
    expect(s).toMatch(/^whsec_/);
    await raise(stack, { userId, type: "deployment.ready", title: "Shop is live", message: "Deployed to preview" });
    await stack.advance(SETTLE_MS);
    const [got] = fakes.webhook.verified.slice(-1);
    expect(got).toMatchObject({
      type: "deployment.ready",
      data: { title: "Shop is live", message: "Deployed to preview" },
    });
    expect(got.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d).toMatchObject({ status: "sent", attempts: 1, responseStatus: 204 });
    expect(got.id).toBe(d.messageId);
  });
});

async function webhookChannel(clerkId: string) {
  const { as, userId } = await signedIn(stack, clerkId);
  const { channelId, secret: s } = await as.mutation(api.notificationChannels.create, {
    kind: "webhook",
    name: "Hook",
    target: fakes.webhook.url,
  });
  secret.value = s!;
  return { as, userId, channelId };
}

describe("retries", () => {
  test("5xx then success: retried with the same webhook-id, one log row per attempt", async () => {
    const { userId, channelId } = await webhookChannel("user_wh2");
    const before = fakes.webhook.requests.length;
    fakes.webhook.failNext({ kind: "status", status: 500, body: { error: "boom" } }, 2);
    await raise(stack, { userId, type: "deployment.error", title: "Failed", message: "Build failed" });
    await stack.advance(10 * 60_000);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d).toMatchObject({ status: "sent", attempts: 3 });
    const ids = fakes.webhook.requests.slice(before).map((r) => r.headers["webhook-id"]);
    expect(ids).toEqual([d.messageId, d.messageId, d.messageId]);
    const log = await attemptsOf(stack, d._id);
    expect(log.map((a) => [a.attempt, a.outcome, a.responseStatus])).toEqual([
      [1, "retry", 500],
      [2, "retry", 500],
      [3, "sent", 204],
    ]);
    expect(log[0].responseExcerpt).toContain("boom");
    expect(log[0].retryInMs).toBeGreaterThanOrEqual(1_000);
    expect(log[1].retryInMs).toBeGreaterThanOrEqual(4_000);
  });

  test("429 with Retry-After: the next attempt waits at least that long", async () => {
    const { userId, channelId } = await webhookChannel("user_wh3");
    fakes.webhook.failNext({ kind: "status", status: 429, headers: { "retry-after": "120" } });
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(SETTLE_MS);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d.status).toBe("retrying");
    const [first] = await attemptsOf(stack, d._id);
    expect(first).toMatchObject({ outcome: "retry", responseStatus: 429 });
    expect(first.retryInMs).toBeGreaterThanOrEqual(120_000);
    await stack.advance(119_000);
    expect((await deliveriesOf(stack, channelId))[0].status).toBe("retrying");
    await stack.advance(10 * 60_000);
    expect((await deliveriesOf(stack, channelId))[0]).toMatchObject({ status: "sent", attempts: 2 });
  });

  test("a receiver that never answers times out and is retried", async () => {
    const { userId, channelId } = await webhookChannel("user_wh4");
    fakes.webhook.failNext({ kind: "stall" });
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(10 * 60_000);
    const [d] = await deliveriesOf(stack, channelId);
    const log = await attemptsOf(stack, d._id);
    expect(log[0]).toMatchObject({ outcome: "retry" });
    expect(log[0].error).toMatch(/timed out/);
    expect(d.status).toBe("sent");
  });

  test("a cut connection is a network error and is retried", async () => {
    const { userId, channelId } = await webhookChannel("user_wh5");
    fakes.webhook.failNext({ kind: "reset" });
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(10 * 60_000);
    const [d] = await deliveriesOf(stack, channelId);
    expect((await attemptsOf(stack, d._id)).map((a) => a.outcome)).toEqual(["retry", "sent"]);
  });

  test("400 is not retried", async () => {
    const { userId, channelId } = await webhookChannel("user_wh6");
    const before = fakes.webhook.requests.length;
    fakes.webhook.failNext({ kind: "status", status: 400, body: { error: "bad" } });
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(60 * 60_000);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d).toMatchObject({ status: "failed", attempts: 1, responseStatus: 400 });
    expect(fakes.webhook.requests.length - before).toBe(1);
  });

  test("a wrong signature (receiver's 401) fails without retry", async () => {
    const { userId, channelId } = await webhookChannel("user_wh7");
    secret.value = "whsec_" + Buffer.from("another-secret-of-thirty-two-by!").toString("base64");
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(60_000);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d).toMatchObject({ status: "failed", attempts: 1, responseStatus: 401 });
    expect(fakes.webhook.rejected.at(-1)).toMatch(/signature/i);
  });

  test("gives up after NOTIFY_MAX_ATTEMPTS (4 here) and records every attempt", async () => {
    const { userId, channelId } = await webhookChannel("user_wh8");
    fakes.webhook.failNext({ kind: "status", status: 503 }, 10);
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(3 * 60 * 60_000);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d).toMatchObject({ status: "failed", attempts: 4, responseStatus: 503 });
    expect((await attemptsOf(stack, d._id)).map((a) => a.outcome)).toEqual(["retry", "retry", "retry", "failed"]);
  });
});

describe("the SSRF guard at delivery time", () => {
  test("a redirect is not followed (even to a metadata address) and not retried", async () => {
    const { userId, channelId } = await webhookChannel("user_wh9");
    fakes.webhook.failNext({
      kind: "status",
      status: 302,
      headers: { location: "http://169.254.169.254/latest/meta-data" },
    });
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(60_000);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d).toMatchObject({
      status: "failed",
      attempts: 1,
      responseStatus: 302,
      error: "redirects are not followed",
    });
  });

  test("a target the policy no longer allows is refused before any request", async () => {
    const { userId, channelId } = await webhookChannel("user_wh10");
    const before = fakes.webhook.requests.length;
    process.env.NOTIFY_ALLOW_LOOPBACK = "0";
    try {
      await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
      await stack.advance(60_000);
    } finally {
      process.env.NOTIFY_ALLOW_LOOPBACK = "1";
    }
    const [d] = await deliveriesOf(stack, channelId);
    expect(d).toMatchObject({ status: "failed", attempts: 1 });
    expect(d.error).toBe("refused target: 127.0.0.1 is a loopback address");
    expect(fakes.webhook.requests.length).toBe(before);
  });

  test("a loopback target is refused at creation without the development flag", async () => {
    const { as } = await signedIn(stack, "user_wh11");
    process.env.NOTIFY_ALLOW_LOOPBACK = "0";
    try {
      await expectCode(
        as.mutation(api.notificationChannels.create, { kind: "webhook", name: "Hook", target: fakes.webhook.url }),
        "INVALID",
      );
      await expectCode(
        as.mutation(api.notificationChannels.create, { kind: "slack", name: "S", target: "https://169.254.169.254/x" }),
        "INVALID",
      );
    } finally {
      process.env.NOTIFY_ALLOW_LOOPBACK = "1";
    }
    expect(await as.query(api.notificationChannels.list, {})).toEqual([]);
  });

  test("deliveries queued for a removed channel end failed without a request", async () => {
    const { as, userId, channelId } = await webhookChannel("user_wh12");
    const before = fakes.webhook.requests.length;
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await as.mutation(api.notificationChannels.remove, { channelId });
    await stack.advance(SETTLE_MS);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d).toMatchObject({ status: "failed", error: "the channel was disabled or removed" });
    expect(fakes.webhook.requests.length).toBe(before);
  });
});
