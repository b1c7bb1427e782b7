// Which external services are real and which are mocked, from the edge's environment. Each
// service is real once its variables are set; `AUTOCREA_MOCK_SERVICES` (set by `npm run dev`
// for every service without credentials) names the ones answered by loopback fakes. The
// parsing lives in convex/lib/mockServices.ts, shared with Convex. GET /health reports the
// result (merged with Convex's view of the services Convex calls); loadConfig refuses mocks
// in production.
import {
  CONVEX_SERVICES,
  SERVICE_NAMES,
  SERVICE_VARS,
  serviceMode,
  type ConvexServiceModes,
  type PaymentsHealth,
  type ServiceMode,
  type ServiceModes,
} from "../convex/edge/contract.js";
import { PROVIDERS } from "../convex/edge/contract.js";

export {
  mockedServices,
  unknownMockNames,
  type ServiceMode,
  type ServiceModes,
  type ServiceName,
} from "../convex/edge/contract.js";

type Env = Record<string, string | undefined>;

/**
 * The mode of every service. `devAuth` says whether the development token issuer stands in
 * for Clerk (decided by loadConfig), which makes Clerk "mock".
 */
export function serviceModes(env: Env, opts: { devAuth: boolean }): ServiceModes {
  const modes = {} as ServiceModes;
  for (const name of SERVICE_NAMES) modes[name] = serviceMode(name, env);
  // Clerk is never a loopback fake: the development issuer stands in for it.
  const clerkConfigured = SERVICE_VARS.clerk.every((v) => !!env[v]);
  modes.clerk = clerkConfigured ? "real" : opts.devAuth ? "mock" : "off";
  return modes;
}

const MODES: readonly string[] = ["real", "mock", "off"] satisfies ServiceMode[];

/** The modes in Convex's /edge/health answer; anything malformed (or an older Convex saying nothing) is left out. */
export function reportedModes(body: unknown): Partial<ConvexServiceModes> {
  const raw = body && typeof body === "object" ? (body as { services?: unknown }).services : undefined;
  const out: Partial<ConvexServiceModes> = {};
  if (!raw || typeof raw !== "object") return out;
  for (const name of CONVEX_SERVICES) {
    const mode = (raw as Record<string, unknown>)[name];
    if (typeof mode === "string" && MODES.includes(mode)) out[name] = mode as ServiceMode;
  }
  return out;
}

const PAYMENT_MODES: readonly string[] = ["stripe", "lemonsqueezy", "mock", "off"];

/** How payments run, as Convex reports it (they run there); null when its answer says nothing usable. */
export function reportedPayments(body: unknown): PaymentsHealth | null {
  const raw = body && typeof body === "object" ? (body as { payments?: unknown }).payments : undefined;
  if (!raw || typeof raw !== "object") return null;
  const p = raw as Record<string, unknown>;
  const ok =
    typeof p.mode === "string" &&
    PAYMENT_MODES.includes(p.mode) &&
    [p.stripe, p.lemonsqueezy].every((m) => typeof m === "string" && MODES.includes(m));
  return ok ? (p as PaymentsHealth) : null;
}

/**
 * The edge's view with the deployment providers as Convex sees them: Convex holds their tokens
 * and calls them. Clerk and Anthropic (the edge streams Claude itself) stay the edge's.
 */
export function withConvexView(edge: ServiceModes, convex: Partial<ConvexServiceModes>): ServiceModes {
  const merged = { ...edge };
  for (const name of PROVIDERS) merged[name] = convex[name] ?? edge[name];
  return merged;
}
