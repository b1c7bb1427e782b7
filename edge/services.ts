// Which external services are real and which are mocked, from the environment. Each
// service is real once its variables are set; `AUTOCREA_MOCK_SERVICES` (set by `npm run dev`
// for every service without credentials) names the ones answered by loopback fakes.
// GET /health reports the result; loadConfig refuses mocks in production.

export type ServiceName = "clerk" | "anthropic" | "vercel" | "netlify" | "railway";
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

export const isServiceName = (s: string): s is ServiceName => s in SERVICE_VARS;

const namesIn = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

/** `AUTOCREA_MOCK_SERVICES="anthropic, vercel"` → the known names it lists (lower-cased). */
export function mockedServices(value: string | undefined): ServiceName[] {
  const names = namesIn(value);
  return SERVICE_NAMES.filter((n) => names.includes(n));
}

/** Names in `AUTOCREA_MOCK_SERVICES` that are not services (typos), for a start-up error. */
export function unknownMockNames(value: string | undefined): string[] {
  return namesIn(value).filter((s) => !isServiceName(s));
}

type Env = Record<string, string | undefined>;

/**
 * The mode of every service. `devAuth` says whether the development token issuer stands in
 * for Clerk (decided by loadConfig), which makes Clerk "mock".
 */
export function serviceModes(env: Env, opts: { devAuth: boolean }): ServiceModes {
  const mocked = mockedServices(env.AUTOCREA_MOCK_SERVICES);
  const modes = {} as ServiceModes;
  for (const name of SERVICE_NAMES) {
    const configured = SERVICE_VARS[name].every((v) => !!env[v]);
    if (name === "clerk") modes.clerk = configured ? "real" : opts.devAuth ? "mock" : "off";
    else modes[name] = mocked.includes(name) ? "mock" : configured ? "real" : "off";
  }
  return modes;
}
