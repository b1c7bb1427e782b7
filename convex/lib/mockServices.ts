// Which external services are real, mocked or off. Read by the edge (edge/services.ts) and by
// Convex (deployments, the conversation analysis, /edge/health) from their own environments,
// so both sides parse `AUTOCREA_MOCK_SERVICES` here, the same way. Web APIs only: the edge
// imports this file too.
import { PROVIDERS, type Provider } from "../validators.js";
import { environmentMarkers } from "./environment.js";

export type ServiceName = "clerk" | "anthropic" | Provider;
/** real: its credentials are set; mock: a loopback fake answers; off: neither (calls fail). */
export type ServiceMode = "real" | "mock" | "off";
export type ServiceModes = Record<ServiceName, ServiceMode>;

/** The variables that make each service real (all of them must be set). */
export const SERVICE_VARS: Record<ServiceName, readonly string[]> = {
  clerk: ["CLERK_JWT_KEY"],
  anthropic: ["ANTHROPIC_API_KEY"],
  vercel: ["VERCEL_TOKEN"],
  netlify: ["NETLIFY_TOKEN"],
  railway: ["RAILWAY_TOKEN"],
};
export const SERVICE_NAMES = Object.keys(SERVICE_VARS) as ServiceName[];

export const isServiceName = (s: string): s is ServiceName => (SERVICE_NAMES as string[]).includes(s);

type Env = Record<string, string | undefined>;

const namesIn = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

/** `AUTOCREA_MOCK_SERVICES=" anthropic, Vercel"` → the known names it lists; unknown names are left out. */
export function mockedServices(value: string | undefined): ServiceName[] {
  const names = namesIn(value);
  return SERVICE_NAMES.filter((n) => names.includes(n));
}

/** Names in `AUTOCREA_MOCK_SERVICES` that are not services (typos), for a start-up error. */
export function unknownMockNames(value: string | undefined): string[] {
  return namesIn(value).filter((s) => !isServiceName(s) && !(PAYMENT_SERVICES as string[]).includes(s));
}

export const isMocked = (name: ServiceName, value: string | undefined): boolean => mockedServices(value).includes(name);

// ---------- payments (Convex only: their keys and webhook secrets live there) ----------
// Kept beside the services above, not among them: AUTOCREA_MOCK_SERVICES may list them too.
// Mocked, checkout is a local confirmation page that sends the provider's own signed webhook.
export type PaymentService = "stripe" | "lemonsqueezy";
export const PAYMENT_VARS: Record<PaymentService, readonly string[]> = {
  stripe: ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"],
  lemonsqueezy: ["LEMONSQUEEZY_CHECKOUT_URL", "LEMONSQUEEZY_WEBHOOK_SECRET"],
};
export const PAYMENT_SERVICES = Object.keys(PAYMENT_VARS) as PaymentService[];

/** AUTOCREA_ENV says production (an unreadable value counts as production: mocks stay off). */
function productionDeployment(env: Env): boolean {
  try {
    return environmentMarkers(env, ["AUTOCREA_ENV"]).production !== undefined;
  } catch {
    return true;
  }
}

/**
 * A payment provider's mode: mock when AUTOCREA_MOCK_SERVICES lists it (never on a deployment
 * whose AUTOCREA_ENV says production: mock webhooks are signed with a public secret), real with
 * all its variables, off otherwise.
 */
export function paymentMode(name: PaymentService, env: Env): ServiceMode {
  if (namesIn(env.AUTOCREA_MOCK_SERVICES).includes(name)) return productionDeployment(env) ? "off" : "mock";
  return PAYMENT_VARS[name].every((v) => !!env[v]) ? "real" : "off";
}

/** The provider a checkout uses when none is asked for: a real one first (Stripe, then Lemon Squeezy), else a mocked one. */
export function defaultPaymentProvider(env: Env): PaymentService | undefined {
  const modes = PAYMENT_SERVICES.map((name) => [name, paymentMode(name, env)] as const);
  return (modes.find(([, m]) => m === "real") ?? modes.find(([, m]) => m === "mock"))?.[0];
}

/** What GET /health says of payments: how checkouts are paid (`mode`), and each provider's mode. */
export type PaymentsHealth = { mode: PaymentService | "mock" | "off" } & Record<PaymentService, ServiceMode>;

export function paymentsHealth(env: Env): PaymentsHealth {
  const provider = defaultPaymentProvider(env);
  const mode = !provider ? "off" : paymentMode(provider, env) === "mock" ? "mock" : provider;
  return { mode, stripe: paymentMode("stripe", env), lemonsqueezy: paymentMode("lemonsqueezy", env) };
}

/**
 * A service's mode in `env`: mock when AUTOCREA_MOCK_SERVICES lists it (this wins: npm run dev
 * gives its fakes a credential too), real when all its variables are set, off otherwise.
 * (Clerk's mock is the development issuer, decided by the edge.)
 */
export function serviceMode(name: ServiceName, env: Env): ServiceMode {
  if (isMocked(name, env.AUTOCREA_MOCK_SERVICES)) return "mock";
  return SERVICE_VARS[name].every((v) => !!env[v]) ? "real" : "off";
}

/** The services Convex calls from its own environment: the deployment providers (with their
 * platform tokens) and Anthropic (the conversation analysis). GET /health asks Convex for these. */
export const CONVEX_SERVICES = ["anthropic", ...PROVIDERS] as const satisfies readonly ServiceName[];
export type ConvexServiceModes = Record<(typeof CONVEX_SERVICES)[number], ServiceMode>;

export function convexServiceModes(env: Env): ConvexServiceModes {
  const modes = {} as ConvexServiceModes;
  for (const name of CONVEX_SERVICES) modes[name] = serviceMode(name, env);
  return modes;
}
