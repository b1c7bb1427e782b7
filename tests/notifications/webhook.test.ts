import { describe, expect, test } from "vitest";
import { api, attemptsOf, deliveriesOf, notifyStackForFile, raise, signedIn } from "./helpers";

const { stack, fakes, secret } = notifyStackForFile();

describe("signed webhooks", () => {
  test("a receiver using the standardwebhooks library verifies the delivery; payload is { type, timestamp, data }", async () => {
    const { as, userId } = await signedIn(stack, "user_wh1");
    const { channelId, secret: s } = await as.mutation(api.notificationChannels.create, { kind: "webhook", name: "CI", target: `${fakes.webhook.url}/hooks` });
    secret.value = s!;
    expect(s).toMatch(/^whsec_/);
    await raise(stack, { userId, type: "deployment.ready", title: "Shop is live", message: "Deployed to preview" });
    await stack.advance(0);
    const [got] = fakes.webhook.verified.slice(-1);
    expect(got).toMatchObject({ type: "deployment.ready", data: { title: "Shop is live", message: "Deployed to preview" } });
    expect(got.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d).toMatchObject({ status: "sent", attempts: 1, responseStatus: 204 });
    expect(got.id).toBe(d.messageId);
  });
});
