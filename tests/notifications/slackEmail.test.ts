import { describe, expect, test } from "vitest";
import { emailMessage, slackMessage, webhookPayload } from "../../convex/lib/notificationTemplates";
import { NOTIFICATION_TYPES, type NotificationEvent } from "../../convex/validators";
import { expectCode } from "../convex/helpers";
import { api, attemptsOf, channelRow, deliveriesOf, notifyStackForFile, raise, SETTLE_MS, signedIn } from "./helpers";

const { stack, fakes } = notifyStackForFile();

describe("templates: every event renders on every channel", () => {
  const event = (type: NotificationEvent["type"]): NotificationEvent => ({
    type,
    title: "Shop <b>live</b> & well",
    message: "Deployed <script>x</script>",
    projectId: "p1" as NotificationEvent["projectId"],
    deploymentId: "d1" as NotificationEvent["deploymentId"],
    occurredAt: Date.parse("2026-01-02T03:04:05Z"),
  });
  test.each(NOTIFICATION_TYPES)("%s", (type) => {
    const e = event(type);
    expect(webhookPayload(e, "msg_1")).toEqual({
      type,
      timestamp: "2026-01-02T03:04:05.000Z",
      data: { id: "msg_1", title: e.title, message: e.message, projectId: "p1", deploymentId: "d1" },
    });
    const slack = slackMessage(e, "https://ide.example");
    expect(slack.text).toContain(e.title);
    expect(slack.blocks[0]).toMatchObject({ type: "header" });
    expect(JSON.stringify(slack.blocks)).toContain("Deployed &lt;script&gt;x&lt;/script&gt;");
    const mail = emailMessage(e, "https://ide.example");
    expect(mail.subject).toBe(`[AUTOCREA] ${e.title}`);
    expect(mail.html).toContain("Shop &lt;b&gt;live&lt;/b&gt; &amp; well");
    expect(mail.html).not.toContain("<script>");
    expect(mail.text).toContain("Deployed <script>x</script>");
  });
  test("deployment events link to the deployment", () => {
    const slack = slackMessage(event("deployment.ready"), "https://ide.example");
    expect(JSON.stringify(slack.blocks)).toContain("https://ide.example/projects/p1/deployments/d1");
    expect(emailMessage(event("deployment.error"), "https://ide.example").text).toContain(
      "See the log: https://ide.example/projects/p1/deployments/d1",
    );
  });
});

describe("Slack incoming webhooks", () => {
  test("a Block Kit message is posted; a 500 is retried", async () => {
    const { as, userId } = await signedIn(stack, "user_sl1");
    const { channelId } = await as.mutation(api.notificationChannels.create, {
      kind: "slack",
      name: "Team",
      target: `${fakes.slack.url}/services/T1/B1/x`,
    });
    fakes.slack.failNext({ kind: "status", status: 500 });
    await raise(stack, { userId, type: "deployment.error", title: "Deploying Shop failed", message: "Build failed" });
    await stack.advance(60_000);
    const msg = fakes.slack.messages.at(-1)!;
    expect(msg.text).toBe("❌ Deploying Shop failed: Build failed");
    expect(msg.blocks!.map((b) => b.type)).toEqual(["header", "section", "context", "actions"]);
    const [d] = await deliveriesOf(stack, channelId);
    expect((await attemptsOf(stack, d._id)).map((a) => [a.outcome, a.responseStatus, a.responseExcerpt])).toEqual([
      ["retry", 500, expect.stringContaining("injected 500")],
      ["sent", 200, "ok"],
    ]);
  });

  test("Slack's 404 no_service is final", async () => {
    const { as, userId } = await signedIn(stack, "user_sl2");
    const { channelId } = await as.mutation(api.notificationChannels.create, {
      kind: "slack",
      name: "Gone",
      target: `${fakes.slack.url}/services/T1/B1/y`,
    });
    fakes.slack.failNext({ kind: "raw", status: 404, text: "no_service" });
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(60_000);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d).toMatchObject({ status: "failed", attempts: 1, responseStatus: 404 });
  });
});

describe("email through Resend", () => {
  async function verifiedEmail(clerkId: string) {
    const { as, userId } = await signedIn(stack, clerkId);
    const address = `${clerkId}@mail.example`;
    const { channelId, secret } = await as.mutation(api.notificationChannels.create, {
      kind: "email",
      name: "Mail",
      target: address.toUpperCase(),
    });
    expect(secret).toBeNull();
    await stack.advance(SETTLE_MS);
    const mail = fakes.resend.emails.filter((m) => m.to[0] === address).at(-1)!;
    const code = /code is (\d{6})/.exec(mail.text!)![1];
    return { as, userId, channelId, code, address };
  }

  test("an address receives nothing until verified with the mailed code; wrong codes spend attempts", async () => {
    const { as, userId, channelId, code, address } = await verifiedEmail("user_em1");
    expect(await channelRow(stack, channelId)).toMatchObject({ verified: false, target: address });
    await raise(stack, { userId, type: "deployment.ready", title: "Before", message: "ok" });
    await stack.advance(SETTLE_MS);
    expect(await deliveriesOf(stack, channelId)).toHaveLength(0);
    await expectCode(as.mutation(api.notificationChannels.test, { channelId }), "CONFLICT");
    const wrong = code === "000000" ? "111111" : "000000";
    expect(await as.mutation(api.notificationChannels.verifyEmail, { channelId, code: wrong })).toEqual({
      verified: false,
      attemptsLeft: 4,
    });
    expect(await as.mutation(api.notificationChannels.verifyEmail, { channelId, code })).toEqual({
      verified: true,
      attemptsLeft: 0,
    });
    await raise(stack, { userId, type: "deployment.ready", title: "Shop is live", message: "Deployed to preview" });
    await stack.advance(SETTLE_MS);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d.status).toBe("sent");
    const sent = fakes.resend.emails.at(-1)!;
    expect(sent).toMatchObject({ to: [address], subject: "[AUTOCREA] Shop is live", idempotencyKey: d.messageId });
    expect(sent.html).toContain("<h2>Shop is live</h2>");
    expect(sent.text).toContain("Deployed to preview");
  });

  test("five wrong codes use the code up; a new one can be asked for", async () => {
    const { as, channelId, code } = await verifiedEmail("user_em2");
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) await as.mutation(api.notificationChannels.verifyEmail, { channelId, code: wrong });
    await expectCode(as.mutation(api.notificationChannels.verifyEmail, { channelId, code }), "CONFLICT");
    await as.mutation(api.notificationChannels.resendVerification, { channelId });
    await stack.advance(SETTLE_MS);
    const fresh = /code is (\d{6})/.exec(fakes.resend.emails.at(-1)!.text!)![1];
    expect(await as.mutation(api.notificationChannels.verifyEmail, { channelId, code: fresh })).toMatchObject({
      verified: true,
    });
  });

  test("Resend's 429 with Retry-After is retried after it; 422 is final", async () => {
    const { as, userId, channelId, code } = await verifiedEmail("user_em3");
    await as.mutation(api.notificationChannels.verifyEmail, { channelId, code });
    fakes.resend.failNext({
      kind: "status",
      status: 429,
      headers: { "retry-after": "30" },
      body: { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" },
    });
    await raise(stack, { userId, type: "quota.warning", title: "80 %", message: "used" });
    await stack.advance(SETTLE_MS);
    let [d] = await deliveriesOf(stack, channelId);
    expect(d.status).toBe("retrying");
    expect((await attemptsOf(stack, d._id))[0].retryInMs).toBeGreaterThanOrEqual(30_000);
    await stack.advance(31_000);
    [d] = await deliveriesOf(stack, channelId);
    expect(d.status).toBe("sent");
    fakes.resend.failNext({
      kind: "status",
      status: 422,
      body: { statusCode: 422, name: "validation_error", message: "Invalid `to` field." },
    });
    await raise(stack, { userId, type: "quota.exceeded", title: "100 %", message: "used" });
    await stack.advance(60_000);
    const rows = await deliveriesOf(stack, channelId);
    expect(rows.find((r) => r.event.type === "quota.exceeded")).toMatchObject({
      status: "failed",
      attempts: 1,
      responseStatus: 422,
    });
  });
});
