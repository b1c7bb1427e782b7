// The provider fakes inside the stack: clients configured from process.env (as Convex
// actions are) reach them, and builds advance with the stack's virtual clock.
import { describe, expect, test } from "vitest";
import { providerClientFromEnv, providerConfigFromEnv } from "../../convex/providers/index";
import { verifyVercelSignature } from "../../convex/providers/webhooks";
import { deployStackForFile } from "../deployments/helpers";
import { file } from "./helpers";

const stack = deployStackForFile();

describe("provider fakes in the stack", () => {
  test("env points every client at its fake", () => {
    const cfg = providerConfigFromEnv(process.env);
    expect(cfg.vercel).toMatchObject({ baseUrl: stack.fakes.vercel.baseUrl, token: stack.fakes.vercel.token });
    expect(cfg.netlify).toMatchObject({ baseUrl: stack.fakes.netlify.baseUrl, token: stack.fakes.netlify.token });
    expect(cfg.railway).toMatchObject({ baseUrl: stack.fakes.railway.baseUrl, token: stack.fakes.railway.token });
    expect(cfg.vercel.webhookSecret).toBeTruthy();
    expect(cfg.netlify.webhookSecret).toBeTruthy();
  });

  test.each(["vercel", "netlify", "railway"] as const)(
    "%s: a 3-minute build is ready after advance(3 min)",
    async (name) => {
      stack.fakes[name].setBuildDuration(180_000);
      const client = providerClientFromEnv(name, process.env);
      const { deployment } = await client.createDeployment({
        name: `stack-${name}`,
        environment: "production",
        files: [file("index.html", "<p>hi</p>")],
      });
      await stack.advance(60_000);
      expect((await client.getDeployment(deployment.id)).state).toBe("building");
      await stack.advance(120_000);
      expect((await client.getDeployment(deployment.id)).state).toBe("ready");
    },
  );

  test("webhooks are delivered to Convex's HTTP router, signed with the env secret", async () => {
    const client = providerClientFromEnv("vercel", process.env);
    const { deployment } = await client.createDeployment({
      name: "stack-hook",
      environment: "preview",
      files: [file("a", "a")],
    });
    const { delivery, response } = await stack.fakes.vercel.sendWebhook(deployment.id, "deployment.succeeded");
    expect(typeof response.status).toBe("number"); // the route's answer, whatever it is now
    expect(
      await verifyVercelSignature(
        delivery.body,
        delivery.headers["x-vercel-signature"],
        process.env.VERCEL_WEBHOOK_SECRET!,
      ),
    ).toBe(true);
  });
});
