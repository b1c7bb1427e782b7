// GET /health says which external services are real, mocked by a loopback fake, or off.
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../edge/config";
import { mockedServices, serviceModes } from "../../edge/services";
import { createDevIssuerKey } from "../../scripts/devIssuerKey";
import { edgeApp, json } from "../edge/harness";

const key = JSON.stringify(createDevIssuerKey());

describe("service modes", () => {
  test("each service is real once its variable is set, mock when listed, off otherwise", () => {
    expect(serviceModes({}, { devAuth: false })).toEqual({ clerk: "off", anthropic: "off", vercel: "off", netlify: "off", railway: "off" });
    expect(
      serviceModes(
        { CLERK_JWT_KEY: "pem", ANTHROPIC_API_KEY: "sk", VERCEL_TOKEN: "t", NETLIFY_TOKEN: "t", RAILWAY_TOKEN: "t" },
        { devAuth: false },
      ),
    ).toEqual({ clerk: "real", anthropic: "real", vercel: "real", netlify: "real", railway: "real" });
    // The mock list wins over a (mock) credential: npm run dev gives fakes a credential too.
    expect(
      serviceModes({ AUTOCREA_MOCK_SERVICES: "anthropic, Vercel", ANTHROPIC_API_KEY: "mock-anthropic-key", NETLIFY_TOKEN: "real" }, { devAuth: true }),
    ).toEqual({ clerk: "mock", anthropic: "mock", vercel: "mock", netlify: "real", railway: "off" });
    expect(mockedServices(" railway ,nope,anthropic")).toEqual(["anthropic", "railway"]);
  });

  test("a typo in AUTOCREA_MOCK_SERVICES is a start-up error", () => {
    expect(() => loadConfig({ AUTOCREA_MOCK_SERVICES: "antropic" })).toThrow(/unknown services: antropic/);
  });
});

describe("GET /health", () => {
  test("lists real and mocked services (npm run dev without accounts)", async () => {
    const { app } = await edgeApp({
      env: {
        NODE_ENV: "development",
        CLERK_JWT_KEY: undefined,
        AUTOCREA_DEV_AUTH: "1",
        AUTOCREA_DEV_ISSUER_KEY: key,
        AUTOCREA_MOCK_SERVICES: "anthropic,vercel,netlify,railway",
        ANTHROPIC_API_KEY: "mock-anthropic-key",
      },
    });
    const res = await app.request("/health");
    expect(res.status).toBe(200);
    expect((await res.json()).services).toEqual({ clerk: "mock", anthropic: "mock", vercel: "mock", netlify: "mock", railway: "mock" });
  });

  test("lists real services when their variables are set, also while Convex is down", async () => {
    const { app } = await edgeApp({
      env: { ANTHROPIC_API_KEY: "sk-ant-real", VERCEL_TOKEN: "vt" },
      convex: () => json(503, { error: { code: "UNAVAILABLE", message: "down" } }),
    });
    const res = await app.request("/health");
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.status).toBe("degraded");
    expect(body.services).toEqual({ clerk: "real", anthropic: "real", vercel: "real", netlify: "off", railway: "off" });
  });
});
