// GET /health says which external services are real, mocked by a loopback fake, or off.
import { describe, expect, test } from "vitest";
import { convexServiceModes, isMocked, unknownMockNames } from "../../convex/lib/mockServices";
import { loadConfig } from "../../edge/config";
import { mockedServices, serviceModes } from "../../edge/services";
import { newConvexTest } from "../convexTest";
import { createDevIssuerKey } from "../../scripts/devIssuerKey";
import { edgeApp, json } from "../edge/helpers";

const key = JSON.stringify(createDevIssuerKey());

describe("service modes", () => {
  test("each service is real once its variable is set, mock when listed, off otherwise", () => {
    expect(serviceModes({}, { devAuth: false })).toEqual({
      clerk: "off",
      anthropic: "off",
      vercel: "off",
      netlify: "off",
      railway: "off",
    });
    expect(
      serviceModes(
        { CLERK_JWT_KEY: "pem", ANTHROPIC_API_KEY: "sk", VERCEL_TOKEN: "t", NETLIFY_TOKEN: "t", RAILWAY_TOKEN: "t" },
        { devAuth: false },
      ),
    ).toEqual({ clerk: "real", anthropic: "real", vercel: "real", netlify: "real", railway: "real" });
    // The mock list wins over a (mock) credential: npm run dev gives fakes a credential too.
    expect(
      serviceModes(
        { AUTOCREA_MOCK_SERVICES: "anthropic, Vercel", ANTHROPIC_API_KEY: "mock-anthropic-key", NETLIFY_TOKEN: "real" },
        { devAuth: true },
      ),
    ).toEqual({ clerk: "mock", anthropic: "mock", vercel: "mock", netlify: "real", railway: "off" });
    expect(mockedServices(" railway ,nope,anthropic")).toEqual(["anthropic", "railway"]);
  });

  test("a typo in AUTOCREA_MOCK_SERVICES is a start-up error", () => {
    expect(() => loadConfig({ AUTOCREA_MOCK_SERVICES: "antropic" })).toThrow(/unknown services: antropic/);
    // Names of Object.prototype are not services either.
    expect(unknownMockNames("vercel, constructor,toString")).toEqual(["constructor", "tostring"]);
    expect(() => loadConfig({ AUTOCREA_MOCK_SERVICES: "constructor" })).toThrow(/unknown services: constructor/);
  });

  test("Convex parses the list like the edge: trimmed, any case, unknown names ignored", () => {
    expect(isMocked("anthropic", " Anthropic ,nope")).toBe(true);
    expect(isMocked("vercel", "VERCEL")).toBe(true);
    expect(isMocked("netlify", "vercel,railway")).toBe(false);
    expect(isMocked("railway", undefined)).toBe(false);
    expect(
      convexServiceModes({
        AUTOCREA_MOCK_SERVICES: " Netlify, nope",
        ANTHROPIC_API_KEY: "sk",
        VERCEL_TOKEN: "t",
        NETLIFY_TOKEN: "mock-token",
      }),
    ).toEqual({ anthropic: "real", vercel: "real", netlify: "mock", railway: "off" });
  });
});

describe("Convex's view of its services (GET /edge/health)", () => {
  const VARS = [
    "EDGE_SECRET",
    "AUTOCREA_MOCK_SERVICES",
    "ANTHROPIC_API_KEY",
    "VERCEL_TOKEN",
    "NETLIFY_TOKEN",
    "RAILWAY_TOKEN",
  ];

  test("reports anthropic and the providers from Convex's own environment", async () => {
    const saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
    for (const k of VARS) delete process.env[k];
    Object.assign(process.env, {
      EDGE_SECRET: "convex-health-secret",
      VERCEL_TOKEN: "vt",
      NETLIFY_TOKEN: "nt",
      AUTOCREA_MOCK_SERVICES: "Netlify",
    });
    try {
      const res = await newConvexTest().fetch("/edge/health", {
        headers: { Authorization: "Bearer convex-health-secret" },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        ok: true,
        services: { anthropic: "off", vercel: "real", netlify: "mock", railway: "off" },
        payments: { mode: "off", stripe: "off", lemonsqueezy: "off" },
      });
    } finally {
      for (const k of VARS) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
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
    expect((await res.json()).services).toEqual({
      clerk: "mock",
      anthropic: "mock",
      vercel: "mock",
      netlify: "mock",
      railway: "mock",
    });
  });

  test("the deployment providers are as Convex sees them (their tokens live there); clerk and anthropic as the edge sees them", async () => {
    const { app } = await edgeApp({
      env: { ANTHROPIC_API_KEY: "sk-ant-real" },
      convex: (req) =>
        req.path === "/edge/health"
          ? {
              ok: true,
              services: { anthropic: "off", vercel: "real", netlify: "mock", railway: "sometimes", extra: "real" },
            }
          : json(404, { error: { code: "NOT_FOUND", message: "no such action" } }),
    });
    const res = await app.request("/health");
    expect(res.status).toBe(200);
    const body = await res.json();
    // railway's malformed mode is ignored: the edge's own view (off) stays.
    expect(body.services).toEqual({
      clerk: "real",
      anthropic: "real",
      vercel: "real",
      netlify: "mock",
      railway: "off",
    });
    // Convex's own view, anthropic included (it calls Claude for the conversation analysis).
    expect(body.convex.services).toEqual({ anthropic: "off", vercel: "real", netlify: "mock" });
  });

  test("a Convex that reports no services leaves the edge's view", async () => {
    const { app } = await edgeApp({ env: { VERCEL_TOKEN: "vt" } });
    const body = await (await app.request("/health")).json();
    expect(body.services).toEqual({ clerk: "real", anthropic: "off", vercel: "real", netlify: "off", railway: "off" });
    expect(body.convex.services).toEqual({});
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
