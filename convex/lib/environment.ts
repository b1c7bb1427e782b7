// Development vs production, parsed ONCE for the edge (edge/config.ts), `npm run dev`
// (scripts/devConfig.ts) and Convex's sign-in configuration (convex/auth.config.ts, which
// Convex bundles at push time: this file imports nothing). Values are read case- and
// space-insensitively; a value that is neither a known development nor a known production
// value is a start-up error naming the variable, so a typo can never switch production off.

export type Env = Record<string, string | undefined>;

/** Variables that mark where this process runs; any of them saying production makes it production. */
export const ENVIRONMENT_VARS = ["AUTOCREA_ENV", "NODE_ENV", "VERCEL_ENV"] as const;
export type EnvironmentVar = (typeof ENVIRONMENT_VARS)[number];

const DEVELOPMENT_VALUES = ["development", "dev", "local", "test"];
// Vercel's preview deployments have public URLs: production as far as sign-in is concerned.
const PRODUCTION_VALUES = ["production", "prod", "staging", "preview"];
const ON_VALUES = ["1", "true", "yes", "on", "enabled"];
const OFF_VALUES = ["0", "false", "no", "off", "disabled", "none"];

const normalized = (value: string | undefined) => (value ?? "").trim().toLowerCase();

function unknownValue(name: string, value: string | undefined, known: string[][]): Error {
  const list = known.flat().join(", ");
  return new Error(
    `${name}=${JSON.stringify(value)} is not understood: use one of ${list} (case and spaces do not matter).`,
  );
}

/** One marker's verdict: undefined when unset or empty. Throws on an unknown value. */
export function environmentOf(name: string, value: string | undefined): "development" | "production" | undefined {
  const v = normalized(value);
  if (v === "") return undefined;
  if (DEVELOPMENT_VALUES.includes(v)) return "development";
  if (PRODUCTION_VALUES.includes(v)) return "production";
  throw unknownValue(name, value, [DEVELOPMENT_VALUES, PRODUCTION_VALUES]);
}

export type EnvironmentMarkers = {
  /** The first marker saying production, as `NAME=value` (for messages); undefined when none does. */
  production: string | undefined;
  /** The first marker saying development explicitly; undefined when none does. */
  development: string | undefined;
};

/**
 * What the markers say; throws on an unknown value. Any marker saying production makes the
 * process production, whatever the others say. `vars` limits the markers read:
 * Convex bundles every deployment with NODE_ENV=production, so auth.config.ts reads
 * AUTOCREA_ENV only.
 */
export function environmentMarkers(env: Env, vars: readonly EnvironmentVar[] = ENVIRONMENT_VARS): EnvironmentMarkers {
  const out: EnvironmentMarkers = { production: undefined, development: undefined };
  for (const name of vars) {
    const verdict = environmentOf(name, env[name]);
    if (verdict) out[verdict] ??= `${name}=${env[name]!.trim()}`;
  }
  return out;
}

/** An on/off switch such as AUTOCREA_DEV_AUTH: unset or empty is off. Throws on an unknown value. */
export function switchOn(name: string, value: string | undefined): boolean {
  const v = normalized(value);
  if (v === "" || OFF_VALUES.includes(v)) return false;
  if (ON_VALUES.includes(v)) return true;
  throw unknownValue(name, value, [ON_VALUES, OFF_VALUES]);
}
