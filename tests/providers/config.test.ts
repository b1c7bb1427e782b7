import { describe, expect, test } from "vitest";
import { providerClientFromEnv, providerConfigFromEnv, ProviderError } from "../../convex/providers/index";

describe("provider configuration from the environment", () => {
  test("defaults to the providers' public APIs", () => {
    const cfg = providerConfigFromEnv({});
    expect(cfg.vercel).toEqual({
      baseUrl: "https://api.vercel.com",
      token: undefined,
      teamId: undefined,
      webhookSecret: undefined,
      timeoutMs: 30_000,
    });
    expect(cfg.netlify.baseUrl).toBe("https://api.netlify.com");
    expect(cfg.railway.baseUrl).toBe("https://backboard.railway.com/graphql/v2");
  });

  test("reads every variable; blank values count as unset", () => {
    const cfg = providerConfigFromEnv({
      VERCEL_API_URL: "http://127.0.0.1:1",
      VERCEL_TOKEN: "vt",
      VERCEL_TEAM_ID: "team_1",
      VERCEL_WEBHOOK_SECRET: "vs",
      NETLIFY_API_URL: "http://127.0.0.1:2",
      NETLIFY_TOKEN: "nt",
      NETLIFY_WEBHOOK_SECRET: "ns",
      RAILWAY_API_URL: "http://127.0.0.1:3/graphql/v2",
      RAILWAY_TOKEN: "rt",
      RAILWAY_WORKSPACE_ID: " ",
      PROVIDER_TIMEOUT_MS: "5000",
    });
    expect(cfg.vercel).toEqual({
      baseUrl: "http://127.0.0.1:1",
      token: "vt",
      teamId: "team_1",
      webhookSecret: "vs",
      timeoutMs: 5000,
    });
    expect(cfg.netlify).toEqual({ baseUrl: "http://127.0.0.1:2", token: "nt", webhookSecret: "ns", timeoutMs: 5000 });
    expect(cfg.railway).toEqual({
      baseUrl: "http://127.0.0.1:3/graphql/v2",
      token: "rt",
      teamId: undefined,
      timeoutMs: 5000,
    });
  });

  test("a client needs a token: the platform's or the user's own", () => {
    let caught: unknown;
    try {
      providerClientFromEnv("railway", {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProviderError);
    expect(caught).toMatchObject({
      transient: false,
      message: "No railway token: set RAILWAY_TOKEN in Convex or connect your own token",
    });
    expect(providerClientFromEnv("vercel", {}, "user-token").name).toBe("vercel");
    expect(providerClientFromEnv("railway", { RAILWAY_TOKEN: "rt" }).name).toBe("railway");
  });
});
