// The decisions of `npm run dev`, without a Convex backend: which Convex, development
// sign-in, which services are mocked, and what Convex and the edge are given.
import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../edge/config";
import {
  adoptDeploymentCredentials,
  convexEnvFor,
  paymentMocks,
  convexTarget,
  convexVarNames,
  edgeEnvFor,
  jwksDataUri,
  planDev,
  withoutMissingFakes,
  type DevPlan,
  type DevRuntime,
  type Env,
} from "../../scripts/devConfig";
import {
  AUTH_CONFIG_VARS,
  convexSiteUrlFrom,
  envChanges,
  explainConvexExit,
  parseEnvList,
  toDotenv,
} from "../../scripts/devConvex";
import { createDevIssuerKey } from "../../scripts/devIssuerKey";

const key = createDevIssuerKey();
const fakeUrls = {
  anthropic: "http://127.0.0.1:4001",
  vercel: "http://127.0.0.1:4002",
  netlify: "http://127.0.0.1:4003",
  railway: "http://127.0.0.1:4004/graphql/v2",
};
const convexVars = convexVarNames(readFileSync(new URL("../../convex/convex.config.ts", import.meta.url), "utf8"));
const rt: DevRuntime = {
  convexSiteUrl: "http://127.0.0.1:3211",
  edgeSecret: "s3cret",
  issuerKey: key,
  fakeUrls,
  convexVars,
};

function plan(env: Env): DevPlan {
  const r = planDev(env);
  if (!r.ok) throw new Error(r.error);
  return r.plan;
}

describe("planDev", () => {
  test("a fresh machine: anonymous local backend, development sign-in, every service mocked", () => {
    const p = plan({});
    expect(p.convex).toEqual({
      target: { kind: "anonymous" },
      args: ["convex", "dev"],
      env: { CONVEX_AGENT_MODE: "anonymous" },
    });
    expect(p.devAuth).toBe(true);
    expect(p.services).toEqual({ clerk: "mock", anthropic: "mock", vercel: "mock", netlify: "mock", railway: "mock" });
    expect(p.fakes).toEqual(["anthropic", "vercel", "netlify", "railway"]);
    expect(p).toMatchObject({ port: 8787, edgeUrl: "http://127.0.0.1:8787", warnings: [] });
  });

  test("each real service switches on by its variable", () => {
    expect(plan({ CLERK_JWT_KEY: "pem", CLERK_JWT_ISSUER_DOMAIN: "https://x.clerk.accounts.dev" })).toMatchObject({
      devAuth: false,
      services: { clerk: "real" },
    });
    for (const [name, v] of [
      ["anthropic", "ANTHROPIC_API_KEY"],
      ["vercel", "VERCEL_TOKEN"],
      ["netlify", "NETLIFY_TOKEN"],
      ["railway", "RAILWAY_TOKEN"],
    ] as const) {
      const p = plan({ [v]: "real-credential" });
      expect(p.services[name]).toBe("real");
      expect(p.fakes).not.toContain(name);
      expect(Object.values(p.services).filter((m) => m === "real")).toHaveLength(1);
    }
    // An empty value is not a credential.
    expect(plan({ ANTHROPIC_API_KEY: "  " }).services.anthropic).toBe("mock");
  });

  test("payments are mocked in Convex unless all of a provider's keys are set (or AUTOCREA_MOCK_SERVICES names it)", () => {
    const stripeKeys = { STRIPE_SECRET_KEY: "sk_test_x", STRIPE_WEBHOOK_SECRET: "whsec_x" };
    expect(paymentMocks({})).toEqual(["stripe", "lemonsqueezy"]);
    expect(paymentMocks({ STRIPE_SECRET_KEY: "sk_test_x" })).toEqual(["stripe", "lemonsqueezy"]);
    expect(paymentMocks(stripeKeys)).toEqual(["lemonsqueezy"]);
    expect(paymentMocks({ ...stripeKeys, AUTOCREA_MOCK_SERVICES: " Stripe" })).toEqual(["stripe", "lemonsqueezy"]);
    expect(planDev({ AUTOCREA_MOCK_SERVICES: "stripe,lemonsqueezy" }).ok).toBe(true);
  });

  test("AUTOCREA_MOCK_SERVICES forces a fake even with a credential; a typo is refused", () => {
    expect(plan({ VERCEL_TOKEN: "t", AUTOCREA_MOCK_SERVICES: "vercel" }).services.vercel).toBe("mock");
    const r = planDev({ AUTOCREA_MOCK_SERVICES: "vercell" });
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.error).toMatch(/unknown services: vercell/);
  });

  test("production refuses: NODE_ENV=production, AUTOCREA_ENV=production, a bad PORT", () => {
    expect(plan({ PORT: "" }).port).toBe(8787);
    for (const env of [
      { NODE_ENV: "production" },
      { AUTOCREA_ENV: "production" },
      { PORT: "http" },
      { PORT: "70000" },
    ]) {
      const r = planDev(env);
      expect(r.ok).toBe(false);
    }
    const r = planDev({ NODE_ENV: "production" });
    expect(!r.ok && r.error).toMatch(/refuses NODE_ENV=production/);
  });

  test("the Convex target comes from CONVEX_DEPLOYMENT in .env.local", () => {
    expect(convexTarget({})).toEqual({ kind: "anonymous" });
    expect(convexTarget({ CONVEX_DEPLOYMENT: "anonymous:anonymous-autocrea" })).toEqual({
      kind: "anonymous",
      deployment: "anonymous:anonymous-autocrea",
    });
    expect(convexTarget({ CONVEX_DEPLOYMENT: "local:local-ada-autocrea" }).kind).toBe("local");
    const cloud = plan({ CONVEX_DEPLOYMENT: "dev:happy-otter-123" });
    expect(cloud.convex).toEqual({
      target: { kind: "cloud", deployment: "dev:happy-otter-123" },
      args: ["convex", "dev"],
      env: {},
    });
    // A cloud deployment cannot reach loopback fakes: the developer is told (once its own tokens are known).
    const adopted = adoptDeploymentCredentials(cloud, {}, { NETLIFY_TOKEN: "theirs" });
    expect(adopted.warnings.join(" ")).toMatch(
      /cannot reach the fakes on 127\.0\.0\.1: deployments to vercel, railway will fail/,
    );
    const env = { CONVEX_DEPLOYMENT: "dev:x", VERCEL_TOKEN: "t", NETLIFY_TOKEN: "t", RAILWAY_TOKEN: "t" };
    expect(adoptDeploymentCredentials(plan(env), env, {}).warnings).toEqual([]);
    expect(adoptDeploymentCredentials(plan({}), {}, {}).warnings).toEqual([]); // local backends reach them
  });

  test("Clerk on the edge without its issuer for Convex is a warning", () => {
    expect(plan({ CLERK_JWT_KEY: "pem" }).warnings.join(" ")).toMatch(/CLERK_JWT_ISSUER_DOMAIN is not/);
  });
});

describe("what Convex and the edge are given", () => {
  test("a fresh machine: secret, development issuer (JWKS as a data: URI), fakes and mock credentials", () => {
    const p = plan({});
    const { set, remove } = convexEnvFor(p, {}, rt, {});
    expect(set).toEqual({
      EDGE_SECRET: "s3cret",
      AUTOCREA_DEV_AUTH: "1",
      AUTOCREA_DEV_ISSUER: "http://127.0.0.1:8787",
      AUTOCREA_DEV_JWKS: jwksDataUri(key),
      AUTOCREA_MOCK_SERVICES: "anthropic,vercel,netlify,railway,stripe,lemonsqueezy",
      ANTHROPIC_BASE_URL: fakeUrls.anthropic,
      ANTHROPIC_API_KEY: "mock-anthropic-key",
      VERCEL_API_URL: fakeUrls.vercel,
      VERCEL_TOKEN: "mock-vercel-key",
      NETLIFY_API_URL: fakeUrls.netlify,
      NETLIFY_TOKEN: "mock-netlify-key",
      RAILWAY_API_URL: fakeUrls.railway,
      RAILWAY_TOKEN: "mock-railway-key",
    });
    expect(remove).toEqual([]);
    const jwks = JSON.parse(Buffer.from(set.AUTOCREA_DEV_JWKS.split(",")[1], "base64").toString());
    expect(jwks.keys[0]).toMatchObject({ kid: key.kid, n: key.privateJwk.n, alg: "RS256" });
    expect(jwks.keys[0].d).toBeUndefined(); // never the private half

    // The edge env loads into a development config with sign-in, the fakes and mock flags.
    const edge = loadConfig(edgeEnvFor(p, {}, rt));
    expect(edge.devAuth).toMatchObject({ issuer: "http://127.0.0.1:8787", kid: key.kid });
    expect(edge.anthropic).toMatchObject({ mock: true, baseURL: fakeUrls.anthropic, apiKey: "mock-anthropic-key" });
    expect(edge).toMatchObject({ convexSiteUrl: rt.convexSiteUrl, edgeSecret: "s3cret", production: false });
    expect(edge.services).toEqual({
      clerk: "mock",
      anthropic: "mock",
      vercel: "mock",
      netlify: "mock",
      railway: "mock",
    });
    // CORS for the usual local IDE origins, also when .env (copied from .env.example) leaves it empty.
    expect(edge.corsOrigins).toEqual(["http://localhost:5173", "http://localhost:3000"]);
    expect(loadConfig(edgeEnvFor(p, { CORS_ORIGINS: "" }, rt)).corsOrigins).toEqual([
      "http://localhost:5173",
      "http://localhost:3000",
    ]);
    expect(loadConfig(edgeEnvFor(p, { CORS_ORIGINS: "https://ide.example" }, rt)).corsOrigins).toEqual([
      "https://ide.example",
    ]);
  });

  test("real services: the developer's variables go along; what an earlier run set is undone", () => {
    const env = {
      CLERK_JWT_KEY: "-----BEGIN PUBLIC KEY-----",
      CLERK_JWT_ISSUER_DOMAIN: "https://x.clerk.accounts.dev",
      ANTHROPIC_API_KEY: "sk-ant-real",
      VERCEL_TOKEN: "vt",
      VERCEL_TEAM_ID: "team_1",
      NETLIFY_TOKEN: "nt",
      RAILWAY_TOKEN: "rt",
      STRIPE_SECRET_KEY: "sk_live_x",
      STRIPE_WEBHOOK_SECRET: "whsec_x",
      LEMONSQUEEZY_CHECKOUT_URL: "https://shop.lemonsqueezy.com",
      LEMONSQUEEZY_WEBHOOK_SECRET: "ls",
    };
    const p = plan(env);
    const previousRun = {
      AUTOCREA_DEV_AUTH: "1",
      AUTOCREA_MOCK_SERVICES: "anthropic",
      ANTHROPIC_BASE_URL: "http://127.0.0.1:4001",
      VERCEL_API_URL: "https://vercel.example.proxy", // not ours: left alone
      NETLIFY_TOKEN: "mock-netlify-key",
    };
    const { set, remove } = convexEnvFor(p, env, { ...rt, issuerKey: undefined }, previousRun);
    expect(set).toMatchObject({
      CLERK_JWT_ISSUER_DOMAIN: env.CLERK_JWT_ISSUER_DOMAIN,
      ANTHROPIC_API_KEY: "sk-ant-real",
      VERCEL_TEAM_ID: "team_1",
      NETLIFY_TOKEN: "nt",
    });
    expect(set.AUTOCREA_DEV_AUTH).toBeUndefined();
    expect(set.AUTOCREA_MOCK_SERVICES).toBeUndefined();
    expect(remove).toEqual([
      "AUTOCREA_DEV_AUTH",
      "AUTOCREA_DEV_ISSUER",
      "AUTOCREA_DEV_JWKS",
      "AUTOCREA_MOCK_SERVICES",
      "ANTHROPIC_BASE_URL",
    ]);

    const edge = loadConfig(edgeEnvFor(p, env, { ...rt, issuerKey: undefined }));
    expect(edge.devAuth).toBeNull();
    expect(edge.anthropic.mock).toBe(false);
    expect(edge.services).toEqual({
      clerk: "real",
      anthropic: "real",
      vercel: "real",
      netlify: "real",
      railway: "real",
    });
  });

  test("a .env copied from .env.example (empty values, public API URLs) still mocks every service", () => {
    const env = parseEnv(readFileSync(new URL("../../.env.example", import.meta.url), "utf8")) as Env;
    const p = plan(env);
    expect(p.devAuth).toBe(true);
    expect(p.fakes).toEqual(["anthropic", "vercel", "netlify", "railway"]);
    const { set } = convexEnvFor(p, env, rt, {});
    expect(set).toMatchObject({
      VERCEL_API_URL: fakeUrls.vercel,
      RAILWAY_API_URL: fakeUrls.railway,
      VERCEL_TOKEN: "mock-vercel-key",
    });
    expect(Object.entries(set).filter(([, v]) => v === "")).toEqual([]);
    const edge = loadConfig(edgeEnvFor(p, env, rt));
    expect(edge.devAuth).not.toBeNull();
    expect(edge.services.clerk).toBe("mock");
  });

  test("Convex gets the developer's values of the variables it declares, never edge-only ones", () => {
    expect(convexVars).toEqual(
      expect.arrayContaining(["EDGE_SECRET", "CLERK_WEBHOOK_SECRET", "AUTOCREA_DEV_AUTH", "VERCEL_TOKEN"]),
    );
    const env = {
      PROVIDER_TIMEOUT_MS: "45000",
      CLERK_WEBHOOK_SECRET: "whsec_x",
      CORS_ORIGINS: "http://a",
      AUTOCREA_DEV_AUTH: " Yes",
    };
    const { set } = convexEnvFor(plan(env), env, rt, {});
    if (convexVars.includes("PROVIDER_TIMEOUT_MS")) expect(set.PROVIDER_TIMEOUT_MS).toBe("45000");
    expect(set.CLERK_WEBHOOK_SECRET).toBe("whsec_x");
    expect(set.CORS_ORIGINS).toBeUndefined();
    expect(set.AUTOCREA_DEV_AUTH).toBe("1"); // managed by npm run dev, not copied
  });

  test("a credential already on the deployment is kept and makes the provider real", () => {
    const current = {
      VERCEL_TOKEN: "their-token",
      ANTHROPIC_API_KEY: "sk-ant-theirs",
      NETLIFY_TOKEN: "mock-netlify-key",
    };
    const p = adoptDeploymentCredentials(plan({}), {}, current);
    expect(p.services).toMatchObject({ vercel: "real", netlify: "mock", anthropic: "mock" });
    expect(p.fakes).toEqual(["anthropic", "netlify", "railway"]);
    expect(p.warnings.join(" ")).toMatch(/ANTHROPIC_API_KEY is set on the Convex deployment but not in .env/);
    const { set } = convexEnvFor(p, {}, rt, current);
    expect(set.VERCEL_TOKEN).toBeUndefined(); // not overwritten
    expect(set.ANTHROPIC_API_KEY).toBeUndefined(); // not overwritten either
    expect(set.NETLIFY_TOKEN).toBe("mock-netlify-key");
    expect(set.AUTOCREA_MOCK_SERVICES).toBe("anthropic,netlify,railway,stripe,lemonsqueezy");
    expect(loadConfig(edgeEnvFor(p, {}, rt)).services.vercel).toBe("real");
  });

  test("a fake that cannot start leaves its service off, not mocked", () => {
    const p = withoutMissingFakes(plan({}), ["vercel", "netlify", "railway"]);
    expect(p.services.anthropic).toBe("off");
    expect(p.fakes).toEqual(["vercel", "netlify", "railway"]);
    const { set } = convexEnvFor(p, {}, { ...rt, fakeUrls: { ...fakeUrls, anthropic: undefined } }, {});
    expect(set.AUTOCREA_MOCK_SERVICES).toBe("vercel,netlify,railway,stripe,lemonsqueezy");
    expect(set.ANTHROPIC_API_KEY).toBeUndefined();
    expect(loadConfig(edgeEnvFor(p, {}, rt)).anthropic).toMatchObject({ mock: false, apiKey: "" });
  });

  test("only changes are applied, and a change read by auth.config.ts triggers a push", () => {
    const desired = {
      set: { EDGE_SECRET: "s", AUTOCREA_DEV_ISSUER: "http://127.0.0.1:8788" },
      remove: ["AUTOCREA_MOCK_SERVICES", "VERCEL_API_URL"],
    };
    expect(
      envChanges(desired, {
        EDGE_SECRET: "s",
        AUTOCREA_DEV_ISSUER: "http://127.0.0.1:8787",
        AUTOCREA_MOCK_SERVICES: "x",
      }),
    ).toEqual({
      set: { AUTOCREA_DEV_ISSUER: "http://127.0.0.1:8788" },
      remove: ["AUTOCREA_MOCK_SERVICES"],
      repush: true,
    });
    expect(envChanges({ set: { EDGE_SECRET: "s2" }, remove: [] }, { EDGE_SECRET: "s" }).repush).toBe(false);
    // The push trigger knows every variable auth.config.ts reads.
    const read = [...readFileSync("convex/auth.config.ts", "utf8").matchAll(/optional\("([A-Z_]+)"\)/g)].map(
      (m) => m[1],
    );
    expect([...new Set(read)].sort()).toEqual([...AUTH_CONFIG_VARS].sort());
  });
});

describe("talking to the Convex CLI", () => {
  test("env files, env list output and the deployment's HTTP actions URL", () => {
    const file = toDotenv({ A: "data:text/plain;base64,eyJ9=", B: "it's", C: "a #b", D: `'"x` });
    expect(file).toBe(`A='data:text/plain;base64,eyJ9='\nB="it's"\nC='a #b'\nD=\`'"x\`\n`);
    expect(parseEnv(file)).toEqual({ A: "data:text/plain;base64,eyJ9=", B: "it's", C: "a #b", D: `'"x` }); // round trip
    expect(() => toDotenv({ A: "two\nlines" })).toThrow(/cannot be written/);
    // As the CLI prints it: quoted when a value needs it (here a '#').
    expect(parseEnvList("EDGE_SECRET=abc\nAUTOCREA_DEV_JWKS=data:x;base64,a=b\nODD='a #b'\n")).toEqual({
      EDGE_SECRET: "abc",
      AUTOCREA_DEV_JWKS: "data:x;base64,a=b",
      ODD: "a #b",
    });
    expect(convexSiteUrlFrom({ CONVEX_SITE_URL: "http://127.0.0.1:3211" })).toBe("http://127.0.0.1:3211");
    expect(convexSiteUrlFrom({ CONVEX_URL: "http://127.0.0.1:3210" })).toBe("http://127.0.0.1:3211");
    expect(convexSiteUrlFrom({ CONVEX_URL: "https://happy-otter-123.convex.cloud" })).toBe(
      "https://happy-otter-123.convex.site",
    );
    expect(convexSiteUrlFrom({})).toBeUndefined();
  });

  test("a Convex that cannot start is explained, with the offline way out", () => {
    const offline = "✖ Failed to fetch latest backend version\n✖ Hit an error while running local deployment.";
    const msg = explainConvexExit(offline, { kind: "anonymous" }, 1);
    expect(msg).toMatch(/local backend could not be downloaded/);
    expect(msg).toMatch(/npm run stack/);
    expect(msg).not.toMatch(/\bat \S+ \(/); // no stack frames
    expect(
      explainConvexExit(
        "✖ Environment variable FOO is used in auth config file but its value was not set.",
        { kind: "anonymous" },
        1,
      ),
    ).toMatch(/npx convex env set FOO/);
    expect(
      explainConvexExit("getaddrinfo ENOTFOUND api.convex.dev", { kind: "cloud", deployment: "dev:x" }, 1),
    ).toMatch(/could not reach your deployment dev:x/);
    expect(explainConvexExit("boom", { kind: "anonymous" }, 3)).toMatch(/exited with code 3.*npm run stack/);
  });
});
