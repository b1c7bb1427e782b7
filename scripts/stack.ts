// `npm run stack`: the whole backend offline in this process (see tests/stack.ts): the real
// edge on 127.0.0.1, Convex functions on convex-test (in memory), tokens for two demo users.
// Options: --port N (default 8787; a free port if taken), --quiet (no request log).
import { startStack, type Stack } from "../tests/stack";

const DEMO_USERS = [
  { id: "user_ada", email: "ada@example.com", name: "Ada Lovelace", env: "ADA" },
  { id: "user_grace", email: "grace@example.com", name: "Grace Hopper", env: "GRACE" },
];
const TOKEN_TTL_SEC = 7 * 24 * 3600;
const TICK_MS = 1_000;

const args = process.argv.slice(2);
const port = args.includes("--port") ? Number(args[args.indexOf("--port") + 1]) : 8787;
const quiet = args.includes("--quiet");
const log = quiet ? () => {} : (line: Record<string, unknown>) => console.log(JSON.stringify(line));

async function start(): Promise<Stack> {
  try {
    return await startStack({ port, log });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    console.log(`port ${port} is taken; using a free one`);
    return await startStack({ port: 0, log });
  }
}

const stack = await start();
const tokens: Record<string, string> = {};
for (const u of DEMO_USERS) tokens[u.env] = await stack.signIn({ id: u.id, email: u.email, name: u.name }, TOKEN_TTL_SEC);

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
const fakes = Object.entries((stack as { fakes?: Record<string, { url?: unknown }> }).fakes ?? {})
  .filter(([, f]) => typeof f?.url === "string")
  .map(([name, f]) => `${name} ${f.url as string}`);
console.log(`
AUTOCREA offline stack
  edge     ${url}   (routes: GET /health, GET /api/me, …)
  Convex   convex-test in this process; data is in memory and gone when you stop it${fakes.length ? `\n  fakes    ${fakes.join(", ")}` : ""}

Demo users (tokens valid ${TOKEN_TTL_SEC / 86400} days):
${DEMO_USERS.map((u) => `  ${u.email.padEnd(20)} ${u.id}`).join("\n")}

Paste into a shell:
${DEMO_USERS.map((u) => `export ${u.env}='${tokens[u.env]}'`).join("\n")}

Then:
  curl -s ${url}/health
  curl -s -H "Authorization: Bearer $ADA" ${url}/api/me
  curl -s -H "Authorization: Bearer $GRACE" ${url}/api/me

Ctrl-C stops it.${quiet ? "" : " Request log lines follow (one JSON line per request)."}
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
