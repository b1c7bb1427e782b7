import { createHash, createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { providerClient } from "../../convex/providers/index";
import {
  parseNetlifyWebhook,
  parseVercelWebhook,
  signNetlifyWebhook,
  signVercelWebhook,
  verifyNetlifySignature,
  verifyVercelSignature,
} from "../../convex/providers/webhooks";
import type { WebhookDelivery } from "../fakes/builds";
import { startProviderFakes, type ProviderFakes } from "../fakes/providers";
import { file, manualClock } from "./helpers";

const SECRET = "whsec_test_secret";
const body = JSON.stringify({
  id: "evt_1",
  type: "deployment.succeeded",
  payload: { deployment: { id: "dpl_1", url: "a.vercel.app" } },
});
const b64url = (s: string | Buffer) => Buffer.from(s).toString("base64url");

describe("Vercel signatures", () => {
  test("sign matches an independent HMAC-SHA1 and verifies", async () => {
    const sig = await signVercelWebhook(body, SECRET);
    expect(sig).toBe(createHmac("sha1", SECRET).update(body).digest("hex"));
    expect(await verifyVercelSignature(body, sig, SECRET)).toBe(true);
    expect(await verifyVercelSignature(new TextEncoder().encode(body), sig.toUpperCase(), SECRET)).toBe(true);
  });

  test("forged, tampered, truncated or missing signatures are refused", async () => {
    const sig = await signVercelWebhook(body, SECRET);
    expect(await verifyVercelSignature(body, await signVercelWebhook(body, "another-secret"), SECRET)).toBe(false);
    expect(await verifyVercelSignature(body.replace("dpl_1", "dpl_2"), sig, SECRET)).toBe(false);
    expect(await verifyVercelSignature(body, sig.slice(0, 38), SECRET)).toBe(false);
    expect(await verifyVercelSignature(body, "zz".repeat(20), SECRET)).toBe(false);
    expect(await verifyVercelSignature(body, null, SECRET)).toBe(false);
    expect(await verifyVercelSignature(body, sig, "")).toBe(false);
  });
});

describe("Netlify signatures", () => {
  test("sign makes an HS256 JWS that an independent check accepts, and verifies", async () => {
    const jws = await signNetlifyWebhook(body, SECRET);
    const [h, p, s] = jws.split(".");
    expect(JSON.parse(Buffer.from(h, "base64url").toString())).toMatchObject({ alg: "HS256" });
    expect(JSON.parse(Buffer.from(p, "base64url").toString())).toEqual({
      iss: "netlify",
      sha256: createHash("sha256").update(body).digest("hex"),
    });
    expect(s).toBe(createHmac("sha256", SECRET).update(`${h}.${p}`).digest("base64url"));
    expect(await verifyNetlifySignature(body, jws, SECRET)).toBe(true);
  });

  test("forged, tampered, alg:none and foreign-issuer tokens are refused", async () => {
    const jws = await signNetlifyWebhook(body, SECRET);
    expect(await verifyNetlifySignature(body, await signNetlifyWebhook(body, "another-secret"), SECRET)).toBe(false);
    expect(await verifyNetlifySignature(body + " ", jws, SECRET)).toBe(false); // body no longer matches sha256

    const sha256 = createHash("sha256").update(body).digest("hex");
    const none = `${b64url(JSON.stringify({ alg: "none" }))}.${b64url(JSON.stringify({ iss: "netlify", sha256 }))}.`;
    expect(await verifyNetlifySignature(body, none, SECRET)).toBe(false);

    const h = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const p = b64url(JSON.stringify({ iss: "someone-else", sha256 }));
    const foreign = `${h}.${p}.${createHmac("sha256", SECRET).update(`${h}.${p}`).digest("base64url")}`;
    expect(await verifyNetlifySignature(body, foreign, SECRET)).toBe(false);

    expect(await verifyNetlifySignature(body, "not.a.jws", SECRET)).toBe(false);
    expect(await verifyNetlifySignature(body, undefined, SECRET)).toBe(false);
  });
});

describe("signed webhooks from the fakes", () => {
  const clock = manualClock();
  const delivered: WebhookDelivery[] = [];
  let fakes: ProviderFakes;
  beforeAll(async () => {
    fakes = await startProviderFakes({
      now: clock.now,
      webhookSecrets: { vercel: "v-secret", netlify: "n-secret" },
      deliver: async (req) => {
        delivered.push(req);
        return new Response(null, { status: 200 });
      },
    });
  });
  afterAll(async () => {
    await fakes.close();
  });

  test("Vercel: a succeeded webhook verifies, parses, and ends the build at the fake", async () => {
    const client = providerClient("vercel", { token: fakes.vercel.token, baseUrl: fakes.vercel.baseUrl });
    const { deployment } = await client.createDeployment({
      name: "hook",
      environment: "production",
      files: [file("a", "a")],
    });
    const { delivery, response } = await fakes.vercel.sendWebhook(deployment.id, "deployment.succeeded");
    expect(response.status).toBe(200);
    expect(delivery.path).toBe("/webhooks/vercel");
    expect(await verifyVercelSignature(delivery.body, delivery.headers["x-vercel-signature"], "v-secret")).toBe(true);
    expect(await verifyVercelSignature(delivery.body, delivery.headers["x-vercel-signature"], "wrong")).toBe(false);
    expect(parseVercelWebhook(delivery.body)).toEqual({
      eventId: `evt_${deployment.id}_succeeded`,
      type: "deployment.succeeded",
      deploymentId: deployment.id,
      state: "ready",
      url: deployment.url,
    });
    // The fake now agrees with its webhook, and the same event keeps the same id.
    expect((await client.getDeployment(deployment.id)).state).toBe("ready");
    const again = await fakes.vercel.sendWebhook(deployment.id, "deployment.succeeded");
    expect(parseVercelWebhook(again.delivery.body)?.eventId).toBe(`evt_${deployment.id}_succeeded`);
  });

  test("Netlify: a deploy_failed webhook verifies and parses; flush sends one per finished deploy", async () => {
    const client = providerClient("netlify", { token: fakes.netlify.token, baseUrl: fakes.netlify.baseUrl });
    const { deployment } = await client.createDeployment({
      name: "hook-site",
      environment: "production",
      files: [file("a", "a")],
    });
    const { delivery } = await fakes.netlify.sendWebhook(deployment.id, "deploy_failed");
    expect(await verifyNetlifySignature(delivery.body, delivery.headers["x-webhook-signature"], "n-secret")).toBe(true);
    expect(parseNetlifyWebhook(delivery.body)).toMatchObject({
      eventId: `${deployment.id}:error`,
      deploymentId: deployment.id,
      state: "error",
      errorMessage: 'Command "npm run build" exited with 1',
    });
    expect((await client.getDeployment(deployment.id)).state).toBe("error");

    const second = await client.createDeployment({
      name: "hook-site-2",
      environment: "production",
      files: [file("b", "b")],
    });
    clock.advance(60_000);
    const before = delivered.length;
    expect(await fakes.netlify.flushWebhooks()).toBe(1); // the failed one was already announced
    expect(await fakes.netlify.flushWebhooks()).toBe(0);
    const last = delivered.slice(before).map((d) => parseNetlifyWebhook(d.body));
    expect(last.find((e) => e?.deploymentId === second.deployment.id)).toMatchObject({
      state: "ready",
      eventId: `${second.deployment.id}:ready`,
    });
  });

  test("malformed payloads parse to undefined", () => {
    expect(parseVercelWebhook("not json")).toBeUndefined();
    expect(parseVercelWebhook(JSON.stringify({ type: "deployment.succeeded" }))).toBeUndefined();
    expect(parseNetlifyWebhook(JSON.stringify({ id: 1 }))).toBeUndefined();
  });
});
