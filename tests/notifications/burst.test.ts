// A burst of events: none lost, each delivered once, never more attempts in flight than the pool allows.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Webhook } from "standardwebhooks";
import { startFakeServer } from "../fakes/server";
import { api, deliveriesOf, notifyStackForFile, raise, signedIn } from "./helpers";

const { stack } = notifyStackForFile();
let secret = "";
let inFlight = 0;
let maxInFlight = 0;
let served = 0;
const received = new Set<string>();
let receiver: Awaited<ReturnType<typeof startFakeServer>>;

beforeAll(async () => {
  process.env.NOTIFY_MAX_PARALLELISM = "4";
  receiver = await startFakeServer("slow receiver", async (req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    // Every 10th request fails on purpose; the retry must still deliver it.
    if (++served % 10 === 0) return void res.writeHead(503).end("busy");
    const payload = new Webhook(secret).verify(req.body, req.headers as Record<string, string>) as {
      data: { title: string };
    };
    received.add(payload.data.title);
    res.writeHead(200).end("ok");
  });
});
afterAll(async () => {
  delete process.env.NOTIFY_MAX_PARALLELISM;
  await receiver.close();
});

describe("a burst of 100 events", () => {
  test("all delivered, with bounded concurrency, despite 10 % failures", async () => {
    const { as, userId } = await signedIn(stack, "user_burst");
    const created = await as.mutation(api.notificationChannels.create, {
      kind: "webhook",
      name: "Burst",
      target: receiver.url,
    });
    secret = created.secret!;
    for (let i = 0; i < 100; i++)
      await raise(stack, { userId, type: "deployment.ready", title: `event ${i}`, message: "ok" });
    await stack.advance(10 * 60_000);
    const rows = await deliveriesOf(stack, created.channelId);
    expect(rows).toHaveLength(100);
    expect(rows.filter((d) => d.status !== "sent")).toEqual([]);
    expect(received.size).toBe(100);
    expect(maxInFlight).toBeGreaterThan(0);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(rows.reduce((n, d) => n + d.attempts, 0)).toBeGreaterThan(100);
  }, 120_000);
});
