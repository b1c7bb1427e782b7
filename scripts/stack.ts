// `npm run stack`: the whole backend offline in this process (see tests/stack.ts): the real
// edge on 127.0.0.1, Convex functions on convex-test (in memory) behind a local Convex the
// official clients connect to (client API + sync WebSocket on 3210, site on 3211, as
// `npx convex dev`), the loopback fakes in mock mode (as `npm run dev` runs them), development
// sign-in (POST /dev/sign-in), the reference IDE page, tokens for the same two demo users.
// Options: --port N (edge; default 8787, a free port if taken), --convex-port N (default 3210),
// --write-env PATH (where CONVEX_URL / CONVEX_SITE_URL are written; default .env.local, as the
// Convex CLI does; `--write-env none` writes nothing), --quiet (no request log).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { startStack, type Stack } from "../tests/stack";
import { DEMO_USERS } from "./devBanner";
import { DEV_PROVIDER_FAKE_OPTIONS } from "./devFakes";
import { mockClaudeReply } from "../tests/fakes/mockClaude";

const TOKEN_TTL_SEC = 7 * 24 * 3600;
const TICK_MS = 1_000;
// Every external service is a fake here: AI answers, deployments and payments say so (`mock: true`).
const MOCKED = "anthropic,vercel,netlify,railway,stripe,lemonsqueezy";

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const port = Number(option("--port") ?? 8787);
const convexPort = Number(option("--convex-port") ?? 3210);
const envFile = option("--write-env") ?? ".env.local";
const quiet = args.includes("--quiet");
const log = quiet ? () => {} : (line: Record<string, unknown>) => console.log(JSON.stringify(line));

async function start(): Promise<Stack> {
  process.env.AUTOCREA_MOCK_SERVICES = MOCKED; // what Convex functions read in the stack
  const opts = {
    log,
    env: { AUTOCREA_MOCK_SERVICES: MOCKED },
    providerFakes: DEV_PROVIDER_FAKE_OPTIONS,
    devSignIn: true,
    crons: true,
    convexPort,
  };
  try {
    return await startStack({ ...opts, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    console.log(`port ${port} is taken; using a free one`);
    return await startStack({ ...opts, port: 0 });
  }
}

/** Sets CONVEX_URL / CONVEX_SITE_URL in a .env file, keeping its other lines (as the Convex CLI does). */
function writeConvexEnv(file: string, vars: Record<string, string>) {
  const kept = existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l && !Object.keys(vars).some((k) => l.startsWith(`${k}=`)))
    : [];
  writeFileSync(file, [...kept, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)].join("\n") + "\n");
}

const stack = await start();
// Convex functions build absolute links to the site (the mock checkout and portal pages) from it.
process.env.CONVEX_SITE_URL = stack.convexSiteUrl;
// Claude answers as in `npm run dev`: marked "(mock Claude)", and a believable build.
stack.fakes.anthropic.configure({ reply: mockClaudeReply });
const convexEnv = { CONVEX_URL: stack.convexUrl, CONVEX_SITE_URL: stack.convexSiteUrl };
if (envFile !== "none") writeConvexEnv(envFile, convexEnv);
const tokens: string[] = [];
for (const u of DEMO_USERS) tokens.push(await stack.signIn({ id: u.id, email: u.email, name: u.name }, TOKEN_TTL_SEC));

// The stack clock is virtual (it only moves on advance()); here it follows real time, so
// scheduled functions run when they fall due, as on a real deployment.
let lastTick = performance.now();
let ticking = false;
const ticker = setInterval(() => {
  if (ticking) return;
  ticking = true;
  const now = performance.now();
  stack
    .advance(Math.floor(now - lastTick))
    .catch((err: unknown) => console.error("stack clock:", err instanceof Error ? err.message : err))
    .finally(() => {
      lastTick = now;
      ticking = false;
    });
}, TICK_MS);

const url = stack.edgeUrl;
const { anthropic, vercel, netlify, railway } = stack.fakes;
console.log(`
AUTOCREA offline stack (no Convex backend, no accounts, no network)
  edge     ${url}   GET /health, GET /api/me, POST /dev/sign-in, ...
  page     ${stack.pageUrl}   the reference IDE (development only)
  convex   ${stack.convexUrl}   CONVEX_URL: client API and sync WebSocket (ConvexHttpClient, ConvexClient)
  site     ${stack.convexSiteUrl}   CONVEX_SITE_URL: webhooks and every route of convex/http.ts
           a local Convex over convex-test in this process; data is in memory and gone when you stop it
           ${envFile === "none" ? "CONVEX_URL / CONVEX_SITE_URL not written (--write-env none)" : `CONVEX_URL / CONVEX_SITE_URL written to ${envFile}`}
  fakes    anthropic ${anthropic.url}, vercel ${vercel.baseUrl}, netlify ${netlify.baseUrl}, railway ${railway.baseUrl}
           (AI answers and deployments come from these and are marked mock: true)

Tokens, valid ${TOKEN_TTL_SEC / 86400} days (paste into your shell):
${DEMO_USERS.map((u, i) => `  # ${u.name} <${u.email}>, id ${u.id}\n  export ${u.tokenVar}='${tokens[i]}'`).join("\n")}

Try it:
  curl -s ${url}/health
  curl -s -H "Authorization: Bearer $${DEMO_USERS[0].tokenVar}" ${url}/api/me
  curl -s -X POST ${url}/dev/sign-in -H "Content-Type: application/json" -d '{"id":"user_dev_you","email":"you@autocrea.dev"}'
  curl -s ${stack.convexUrl}/api/query -H "Authorization: Bearer $${DEMO_USERS[0].tokenVar}" -H "Content-Type: application/json" -d '{"path":"users:me","args":[{}],"format":"convex_encoded_json"}'

Ctrl-C stops it.${quiet ? "" : " One JSON log line per request follows."}
`);

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  clearInterval(ticker);
  console.log(`\n${signal}: stopping the stack`);
  try {
    await stack.close();
    process.exit(0);
  } catch (err) {
    console.error("stack close failed:", err);
    process.exit(1);
  }
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
