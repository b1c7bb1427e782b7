// Development vs production, parsed once (convex/lib/environment.ts) for the edge, `npm run
// dev` and convex/auth.config.ts (tests/dev/authConfig.test.ts): any case, any spaces; a value
// that is not known is a start-up error naming the variable; AUTOCREA_DEV_AUTH=disabled / none
// / off / false turn development sign-in off.
import { describe, expect, test } from "vitest";
import { environmentMarkers, environmentOf, switchOn } from "../../convex/lib/environment";
import { loadConfig } from "../../edge/config";
import { planDev } from "../../scripts/devConfig";
import { createDevIssuerKey } from "../../scripts/devIssuerKey";

const DEV_ENV = {
  NODE_ENV: "development",
  AUTOCREA_DEV_AUTH: "1",
  AUTOCREA_DEV_ISSUER: "http://127.0.0.1:8787",
  AUTOCREA_DEV_ISSUER_KEY: JSON.stringify(createDevIssuerKey()),
};
const PRODUCTION_SPELLINGS = [
  "Production",
  "PRODUCTION",
  " production",
  "production ",
  "prod",
  "Prod",
  "staging",
  "preview",
];
const OFF_SPELLINGS = ["disabled", "none", "off", "false", "0", "no", " OFF ", "Disabled"];

describe("the parser", () => {
  test("production in any case or spacing, and its short forms, is production", () => {
    for (const v of PRODUCTION_SPELLINGS) expect(environmentOf("AUTOCREA_ENV", v)).toBe("production");
    for (const v of ["development", " Development", "DEV", "local", "test"])
      expect(environmentOf("NODE_ENV", v)).toBe("development");
    expect(environmentOf("NODE_ENV", undefined)).toBeUndefined();
    expect(environmentOf("NODE_ENV", "  ")).toBeUndefined();
  });

  test("an unknown value is an error naming the variable", () => {
    expect(() => environmentOf("AUTOCREA_ENV", "prodution")).toThrow(/AUTOCREA_ENV="prodution" is not understood/);
    expect(() => environmentMarkers({ NODE_ENV: "live" })).toThrow(/NODE_ENV="live"/);
    expect(() => switchOn("AUTOCREA_DEV_AUTH", "maybe")).toThrow(/AUTOCREA_DEV_AUTH="maybe" is not understood/);
  });

  test("any marker saying production wins; the first one is named", () => {
    expect(environmentMarkers({ NODE_ENV: "development", AUTOCREA_ENV: " PROD" })).toEqual({
      production: "AUTOCREA_ENV=PROD",
      development: "NODE_ENV=development",
    });
    expect(environmentMarkers({ NODE_ENV: "production", AUTOCREA_ENV: "production" }, ["NODE_ENV"]).production).toBe(
      "NODE_ENV=production",
    );
    expect(environmentMarkers({})).toEqual({ production: undefined, development: undefined });
  });

  test("on/off switches: the off spellings are off, unset is off", () => {
    for (const v of OFF_SPELLINGS) expect(switchOn("AUTOCREA_DEV_AUTH", v)).toBe(false);
    for (const v of ["1", "true", "Yes", " on", "enabled"]) expect(switchOn("AUTOCREA_DEV_AUTH", v)).toBe(true);
    expect(switchOn("AUTOCREA_DEV_AUTH", undefined)).toBe(false);
  });
});

describe("the edge", () => {
  test("development sign-in is refused at start-up with every spelling of production", () => {
    for (const v of PRODUCTION_SPELLINGS) {
      expect(() => loadConfig({ ...DEV_ENV, AUTOCREA_ENV: v }), `AUTOCREA_ENV=${v}`).toThrow(
        /never runs in production/,
      );
      expect(() => loadConfig({ ...DEV_ENV, NODE_ENV: v }), `NODE_ENV=${v}`).toThrow(/never runs in production/);
      expect(loadConfig({ NODE_ENV: v }).production).toBe(true);
    }
  });

  test("AUTOCREA_DEV_AUTH=disabled / none / off / false turn it off", () => {
    for (const v of OFF_SPELLINGS) expect(loadConfig({ ...DEV_ENV, AUTOCREA_DEV_AUTH: v }).devAuth, v).toBeNull();
    expect(loadConfig({ ...DEV_ENV, AUTOCREA_DEV_AUTH: " True " }).devAuth).not.toBeNull();
  });

  test("development sign-in needs an explicit development value; unknown values stop start-up", () => {
    expect(() => loadConfig({ ...DEV_ENV, NODE_ENV: undefined })).toThrow(/needs an explicit development environment/);
    expect(loadConfig({ ...DEV_ENV, NODE_ENV: undefined, AUTOCREA_ENV: "Development" }).devAuth).not.toBeNull();
    expect(() => loadConfig({ NODE_ENV: "Producton" })).toThrow(/NODE_ENV="Producton"/);
    expect(() => loadConfig({ VERCEL_ENV: "qa" })).toThrow(/VERCEL_ENV="qa"/);
    expect(() => loadConfig({ ...DEV_ENV, AUTOCREA_DEV_AUTH: "sure" })).toThrow(/AUTOCREA_DEV_AUTH="sure"/);
  });
});

describe("npm run dev", () => {
  test("refuses every spelling of production and names the variable", () => {
    for (const v of PRODUCTION_SPELLINGS) {
      for (const name of ["NODE_ENV", "AUTOCREA_ENV"]) {
        const r = planDev({ [name]: v });
        expect(r.ok, `${name}=${v}`).toBe(false);
        expect(!r.ok && r.error).toContain(`refuses ${name}=${v.trim()}`);
      }
    }
    const typo = planDev({ AUTOCREA_ENV: "prdo" });
    expect(!typo.ok && typo.error).toMatch(/AUTOCREA_ENV="prdo" is not understood/);
    const flag = planDev({ AUTOCREA_DEV_AUTH: "sometimes" });
    expect(!flag.ok && flag.error).toMatch(/AUTOCREA_DEV_AUTH="sometimes" is not understood/);
  });

  test("AUTOCREA_DEV_AUTH=off in .env turns development sign-in off (with a warning that nobody can sign in)", () => {
    for (const v of OFF_SPELLINGS) {
      const r = planDev({ AUTOCREA_DEV_AUTH: v });
      if (!r.ok) throw new Error(r.error);
      expect(r.plan.devAuth).toBe(false);
      expect(r.plan.services.clerk).toBe("off");
      expect(r.plan.warnings.join("\n")).toMatch(/nobody can sign in/);
    }
    const on = planDev({});
    expect(on.ok && on.plan.devAuth).toBe(true);
  });
});
