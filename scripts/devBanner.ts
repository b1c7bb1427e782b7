// What `npm run dev` prints once everything is up (pure, so the README can quote it exactly).
import type { ServiceMode, ServiceName } from "../edge/services";
import { SERVICE_WIRING, type DevPlan, type FakeName } from "./devConfig";

export type DemoUser = { id: string; email: string; name: string; tokenVar: string };

/** The two development users whose tokens are printed at start. */
export const DEMO_USERS: DemoUser[] = [
  { id: "user_dev_ada", email: "ada@autocrea.dev", name: "Ada Lovelace", tokenVar: "ADA_TOKEN" },
  { id: "user_dev_grace", email: "grace@autocrea.dev", name: "Grace Hopper", tokenVar: "GRACE_TOKEN" },
];

const MODE_TEXT: Record<ServiceMode, string> = { real: "real", mock: "mock", off: "off " };

export function serviceLine(name: ServiceName, mode: ServiceMode, fakeUrl?: string): string {
  const label = name.padEnd(10);
  if (name === "clerk") {
    return mode === "real"
      ? `  ${label}${MODE_TEXT.real}  CLERK_JWT_KEY`
      : `  ${label}${MODE_TEXT.mock}  development sign-in (POST /dev/sign-in); set CLERK_JWT_KEY for Clerk`;
  }
  const w = SERVICE_WIRING[name as FakeName];
  if (mode === "real") return `  ${label}${MODE_TEXT.real}  ${w.keyVar}`;
  if (mode === "mock")
    return `  ${label}${MODE_TEXT.mock}  fake at ${fakeUrl ?? "(not started)"}; set ${w.keyVar} for the real one`;
  return `  ${label}${MODE_TEXT.off}  no fake available; set ${w.keyVar}`;
}

export function renderBanner(opts: {
  plan: DevPlan;
  convexUrl: string;
  convexSiteUrl: string;
  fakeUrls: Partial<Record<FakeName, string>>;
  tokens: { user: DemoUser; token: string }[];
}): string {
  const { plan } = opts;
  const target = plan.convex.target;
  const convexKind =
    target.kind === "anonymous"
      ? "anonymous local backend"
      : target.kind === "local"
        ? `local deployment ${target.deployment}`
        : `deployment ${target.deployment}`;
  const lines = [
    "",
    "AUTOCREA backend is running.",
    "",
    `  Edge (Hono)   ${plan.edgeUrl}   GET /health, GET /api/me, ...`,
    `  Convex        ${opts.convexUrl}   (${convexKind}; HTTP actions ${opts.convexSiteUrl})`,
    "",
    "Services:",
    ...(Object.keys(plan.services) as ServiceName[]).map((n) =>
      serviceLine(n, plan.services[n], opts.fakeUrls[n as FakeName]),
    ),
  ];
  if (opts.tokens.length) {
    lines.push("", "Development tokens, valid 24 h (paste into your shell):");
    for (const { user, token } of opts.tokens)
      lines.push(`  # ${user.name} <${user.email}>, id ${user.id}`, `  export ${user.tokenVar}=${token}`);
    lines.push(
      "",
      "Try it:",
      `  curl -H "Authorization: Bearer $${opts.tokens[0].user.tokenVar}" ${plan.edgeUrl}/api/me`,
      `  curl -X POST ${plan.edgeUrl}/dev/sign-in -H "Content-Type: application/json" -d '{"id":"user_dev_you","email":"you@autocrea.dev"}'`,
    );
  }
  lines.push("", "Ctrl-C stops everything.", "");
  return lines.join("\n");
}
