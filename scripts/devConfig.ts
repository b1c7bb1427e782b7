// What `npm run dev` does, decided from the environment alone (no Convex backend, no
// network), so every decision is unit-tested: which Convex to run, whether development
// sign-in stands in for Clerk, which services are mocked by loopback fakes, and the exact
// variables given to Convex (`npx convex env set`) and to the edge.
import { devJwks, type DevIssuerKey } from "../edge/dev/issuer";
import { environmentMarkers, switchOn, type EnvironmentMarkers } from "../convex/lib/environment";
import { mockedServices, unknownMockNames, type ServiceMode, type ServiceName } from "../edge/services";
import { PAYMENT_SERVICES, PAYMENT_VARS, type PaymentService } from "../convex/lib/mockServices";

export type Env = Record<string, string | undefined>;

/** Services a loopback fake can stand in for (Clerk's stand-in is the dev issuer). */
export type FakeName = Exclude<ServiceName, "clerk">;
export const FAKE_NAMES: FakeName[] = ["anthropic", "vercel", "netlify", "railway"];

/** How each external service is switched on, and where its variables go. */
export const SERVICE_WIRING: Record<FakeName, { keyVar: string; urlVar: string; prefix: string }> = {
  anthropic: {
    keyVar: "ANTHROPIC_API_KEY",
    urlVar: "ANTHROPIC_BASE_URL",
    prefix: "ANTHROPIC_",
  },
  vercel: {
    keyVar: "VERCEL_TOKEN",
    urlVar: "VERCEL_API_URL",
    prefix: "VERCEL_",
  },
  netlify: {
    keyVar: "NETLIFY_TOKEN",
    urlVar: "NETLIFY_API_URL",
    prefix: "NETLIFY_",
  },
  railway: {
    keyVar: "RAILWAY_TOKEN",
    urlVar: "RAILWAY_API_URL",
    prefix: "RAILWAY_",
  },
};

export type ConvexTarget =
  | { kind: "anonymous"; deployment?: string } // the anonymous local backend (no account)
  | { kind: "local"; deployment: string } // a logged-in developer's local deployment
  | { kind: "cloud"; deployment: string }; // the developer's own cloud dev deployment

export type DevPlan = {
  port: number;
  /** The edge's own URL; also the development issuer (`iss`). */
  edgeUrl: string;
  convex: { target: ConvexTarget; args: string[]; env: Env };
  /** The development token issuer stands in for Clerk. */
  devAuth: boolean;
  services: Record<ServiceName, ServiceMode>;
  /** Loopback fakes to start (the mocked services). */
  fakes: FakeName[];
  /** Credentials found on the Convex deployment that the edge needs too (see adoptDeploymentCredentials). */
  edgeCredentials: Record<string, string>;
  warnings: string[];
};

export type PlanResult = { ok: true; plan: DevPlan } | { ok: false; error: string };

const set = (v: string | undefined) => v !== undefined && v.trim() !== "";

/** Where `npx convex dev` will run: CONVEX_DEPLOYMENT (written to .env.local by the Convex CLI) decides. */
export function convexTarget(env: Env): ConvexTarget {
  const d = env.CONVEX_DEPLOYMENT?.trim();
  if (!d) return { kind: "anonymous" };
  if (d.startsWith("anonymous:")) return { kind: "anonymous", deployment: d };
  if (d.startsWith("local:")) return { kind: "local", deployment: d };
  return { kind: "cloud", deployment: d };
}

export function planDev(env: Env): PlanResult {
  let markers: EnvironmentMarkers;
  let devAuthWanted: boolean;
  try {
    markers = environmentMarkers(env);
    // Unset means "npm run dev decides" (on without Clerk); an explicit off value is honoured.
    devAuthWanted = !set(env.AUTOCREA_DEV_AUTH) || switchOn("AUTOCREA_DEV_AUTH", env.AUTOCREA_DEV_AUTH);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (markers.production) {
    return {
      ok: false,
      error: `npm run dev refuses ${markers.production}: development sign-in and mocked services never run in production. Remove it from .env (or set it to development) and run it again.`,
    };
  }
  const port = set(env.PORT) ? Number(env.PORT) : 8787;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    return { ok: false, error: `PORT must be a port number (1-65535), not ${JSON.stringify(env.PORT)}` };
  }
  const typos = unknownMockNames(env.AUTOCREA_MOCK_SERVICES);
  if (typos.length) {
    return {
      ok: false,
      error: `AUTOCREA_MOCK_SERVICES names unknown services: ${typos.join(", ")} (known: ${FAKE_NAMES.join(", ")})`,
    };
  }
  const forced = mockedServices(env.AUTOCREA_MOCK_SERVICES);
  const devAuth = !set(env.CLERK_JWT_KEY) && devAuthWanted;
  const services = { clerk: devAuth ? "mock" : set(env.CLERK_JWT_KEY) ? "real" : "off" } as Record<
    ServiceName,
    ServiceMode
  >;
  const fakes: FakeName[] = [];
  for (const name of FAKE_NAMES) {
    const mock = forced.includes(name) || !set(env[SERVICE_WIRING[name].keyVar]);
    services[name] = mock ? "mock" : "real";
    if (mock) fakes.push(name);
  }

  const target = convexTarget(env);
  const warnings: string[] = [];
  if (!devAuthWanted && !set(env.CLERK_JWT_KEY)) {
    warnings.push(
      "AUTOCREA_DEV_AUTH is off and CLERK_JWT_KEY is not set: nobody can sign in (authenticated routes answer 503).",
    );
  }
  if (set(env.CLERK_JWT_KEY) && !set(env.CLERK_JWT_ISSUER_DOMAIN)) {
    warnings.push(
      "CLERK_JWT_KEY is set but CLERK_JWT_ISSUER_DOMAIN is not: the edge accepts Clerk tokens, Convex (browser queries) does not.",
    );
  }
  // Anonymous local backend: no account, no prompt. A configured deployment: the CLI's own login.
  const convexEnv: Env = target.kind === "anonymous" ? { CONVEX_AGENT_MODE: "anonymous" } : {};
  return {
    ok: true,
    plan: {
      port,
      edgeUrl: `http://127.0.0.1:${port}`,
      convex: { target, args: ["convex", "dev"], env: convexEnv },
      devAuth,
      services,
      fakes,
      edgeCredentials: {},
      warnings,
    },
  };
}

/** What is known once things run: URLs of Convex and the fakes, the shared secret, the issuer key. */
export type DevRuntime = {
  convexSiteUrl: string;
  edgeSecret: string;
  issuerKey?: DevIssuerKey;
  fakeUrls: Partial<Record<FakeName, string>>;
  /** Variables declared in convex/convex.config.ts (see convexVarNames). */
  convexVars?: string[];
};

/** The variable names a convex.config.ts source declares in its `env` block (`NAME: v.optional(...)`). */
export function convexVarNames(source: string): string[] {
  return [...source.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*:\s*v\./gm)].map((m) => m[1]);
}

/** A value each fake accepts as its credential; never a real key. */
export const mockCredential = (name: FakeName) => `mock-${name}-key`;

const isLoopbackUrl = (v: string | undefined) => !!v && /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(v);
/** A credential on the deployment that npm run dev did not put there (dashboard, `npx convex env set`). */
const theirs = (name: FakeName, current: Record<string, string>) => {
  const v = current[SERVICE_WIRING[name].keyVar];
  return !!v && v !== mockCredential(name);
};

/**
 * Once Convex is up: a provider credential already on the deployment makes that provider
 * real (npm run dev never overwrites a credential it did not set). Anthropic is called by the
 * edge, which only sees .env: a key on the deployment alone is reported, not adopted. Warns
 * when a cloud deployment is left with fakes it cannot reach.
 */
export function adoptDeploymentCredentials(plan: DevPlan, env: Env, current: Record<string, string>): DevPlan {
  const services = { ...plan.services };
  const warnings = [...plan.warnings];
  const edgeCredentials = { ...plan.edgeCredentials };
  const forced = mockedServices(env.AUTOCREA_MOCK_SERVICES);
  for (const name of FAKE_NAMES) {
    const { keyVar } = SERVICE_WIRING[name];
    if (services[name] !== "mock" || set(env[keyVar]) || !theirs(name, current)) continue;
    if (name === "anthropic") {
      warnings.push(
        "ANTHROPIC_API_KEY is set on the Convex deployment but not in .env: requests through the edge use the fake Anthropic (left the deployment's key in place). Put the key in .env to use Claude everywhere.",
      );
      continue;
    }
    services[name] = "real";
    edgeCredentials[keyVar] = current[keyVar];
    if (forced.includes(name)) {
      warnings.push(
        `AUTOCREA_MOCK_SERVICES asks for the fake ${name}, but the deployment has its own ${keyVar}: kept, ${name} stays real.`,
      );
    }
  }
  const fakes = plan.fakes.filter((f) => services[f] === "mock");
  const convexSideFakes = fakes.filter((f) => f !== "anthropic");
  if (plan.convex.target.kind === "cloud" && convexSideFakes.length) {
    warnings.push(
      `Your Convex deployment (${plan.convex.target.deployment}) runs in Convex's cloud and cannot reach the fakes on 127.0.0.1: ` +
        `deployments to ${convexSideFakes.join(", ")} will fail. Set their tokens, or remove CONVEX_DEPLOYMENT from .env.local to use the anonymous local backend.`,
    );
  }
  return { ...plan, services, fakes, warnings, edgeCredentials };
}

/** Services whose fake could not be started are "off": not listed as mocked, their calls fail. */
export function withoutMissingFakes(plan: DevPlan, started: FakeName[]): DevPlan {
  const services = { ...plan.services };
  for (const f of plan.fakes) if (!started.includes(f)) services[f] = "off";
  return { ...plan, services, fakes: plan.fakes.filter((f) => started.includes(f)) };
}

/** JWKS as a data: URI, so Convex verifies development tokens without reaching the edge. */
export function jwksDataUri(key: DevIssuerKey): string {
  return `data:text/plain;charset=utf-8;base64,${Buffer.from(JSON.stringify(devJwks(key))).toString("base64")}`;
}

/**
 * Payment providers Convex mocks (checkout is a local page that sends the provider's signed
 * webhooks; no fake server): those without all their keys in .env, and those
 * AUTOCREA_MOCK_SERVICES names. Their keys, when set, reach Convex with the other declared variables.
 */
export function paymentMocks(env: Env): PaymentService[] {
  const forced = (env.AUTOCREA_MOCK_SERVICES ?? "").toLowerCase();
  return PAYMENT_SERVICES.filter(
    (p) => forced.split(",").some((n) => n.trim() === p) || !PAYMENT_VARS[p].every((v) => set(env[v])),
  );
}

const mockList = (plan: DevPlan) => FAKE_NAMES.filter((n) => plan.services[n] === "mock").join(",");

/**
 * The Convex deployment's variables: `set` (name → value) and `remove`. `current` is what the
 * deployment has now: only what npm run dev itself set earlier (fake URLs, mock keys) is removed.
 */
export function convexEnvFor(
  plan: DevPlan,
  env: Env,
  rt: DevRuntime,
  current: Record<string, string>,
): { set: Record<string, string>; remove: string[] } {
  const out: Record<string, string> = {};
  const remove: string[] = [];
  // The developer's values for variables Convex declares (convex/convex.config.ts) go along;
  // the ones npm run dev manages are decided below.
  for (const name of rt.convexVars ?? []) {
    if (set(env[name]) && !name.startsWith("AUTOCREA_")) out[name] = env[name]!;
  }
  out.EDGE_SECRET = rt.edgeSecret;
  if (plan.devAuth) {
    if (!rt.issuerKey) throw new Error("convexEnvFor: development sign-in needs the issuer key");
    out.AUTOCREA_DEV_AUTH = "1";
    out.AUTOCREA_DEV_ISSUER = plan.edgeUrl;
    out.AUTOCREA_DEV_JWKS = jwksDataUri(rt.issuerKey);
  } else {
    remove.push("AUTOCREA_DEV_AUTH", "AUTOCREA_DEV_ISSUER", "AUTOCREA_DEV_JWKS");
  }
  const mocks = [mockList(plan), ...paymentMocks(env)].filter(Boolean).join(",");
  if (mocks) out.AUTOCREA_MOCK_SERVICES = mocks;
  else remove.push("AUTOCREA_MOCK_SERVICES");
  for (const name of FAKE_NAMES) {
    const w = SERVICE_WIRING[name];
    // Everything the developer put in .env for the service (e.g. VERCEL_TEAM_ID) goes along.
    for (const [k, v] of Object.entries(env)) if (k.startsWith(w.prefix) && set(v)) out[k] = v!;
    if (plan.services[name] === "mock") {
      if (theirs(name, current) && !set(env[w.keyVar])) continue; // never overwrite their key
      const url = rt.fakeUrls[name];
      if (url) out[w.urlVar] = url;
      out[w.keyVar] = mockCredential(name);
    } else {
      // Undo an earlier run's fake: its URL would send real credentials to a dead port.
      if (!set(env[w.urlVar]) && isLoopbackUrl(current[w.urlVar])) remove.push(w.urlVar);
      if (!set(env[w.keyVar]) && current[w.keyVar] === mockCredential(name)) remove.push(w.keyVar);
    }
  }
  return { set: out, remove };
}

const DEV_CORS_ORIGINS = "http://localhost:5173,http://localhost:3000";

/** The edge's environment: the developer's, plus Convex, the issuer key and the fakes. */
export function edgeEnvFor(plan: DevPlan, env: Env, rt: DevRuntime): Env {
  const out: Env = {
    ...env,
    ...plan.edgeCredentials,
    NODE_ENV: set(env.NODE_ENV) ? env.NODE_ENV : "development",
    PORT: String(plan.port),
    CONVEX_SITE_URL: rt.convexSiteUrl,
    EDGE_SECRET: rt.edgeSecret,
    // The usual local IDE dev servers (Vite, Next.js) unless .env names others.
    CORS_ORIGINS: set(env.CORS_ORIGINS) ? env.CORS_ORIGINS : DEV_CORS_ORIGINS,
  };
  if (plan.devAuth) {
    if (!rt.issuerKey) throw new Error("edgeEnvFor: development sign-in needs the issuer key");
    out.AUTOCREA_DEV_AUTH = "1";
    out.AUTOCREA_DEV_ISSUER = plan.edgeUrl;
    out.AUTOCREA_DEV_ISSUER_KEY = JSON.stringify(rt.issuerKey);
  }
  const mocks = mockList(plan);
  if (mocks) out.AUTOCREA_MOCK_SERVICES = mocks;
  else delete out.AUTOCREA_MOCK_SERVICES;
  for (const name of FAKE_NAMES) {
    if (plan.services[name] !== "mock") continue;
    const w = SERVICE_WIRING[name];
    if (rt.fakeUrls[name]) out[w.urlVar] = rt.fakeUrls[name];
    out[w.keyVar] = mockCredential(name);
  }
  return out;
}
