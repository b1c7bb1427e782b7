// Stands in for `npx convex` when tests run `npm run dev` (AUTOCREA_CONVEX_CLI points here).
// FAKE_CONVEX_MODE=offline prints what the real CLI prints without internet and exits 1.
// Otherwise: `dev` writes .env.local like the CLI, serves /edge/health and /edge/me (checking
// EDGE_SECRET as Convex would) and prints "Convex functions ready!"; `env list|set|remove`
// keep the deployment's variables in the JSON file FAKE_CONVEX_STATE.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseEnv } from "node:util";

const stateFile = process.env.FAKE_CONVEX_STATE;
const load = () => (existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) : { env: {}, log: [] });
const save = (s) => writeFileSync(stateFile, JSON.stringify(s, null, 2));
const [cmd, sub, ...rest] = process.argv.slice(2);

if (cmd === "env") {
  const s = load();
  s.log.push(["env", sub, ...rest]);
  if (sub === "list") for (const [k, v] of Object.entries(s.env)) console.log(`${k}=${v}`);
  else if (sub === "set") Object.assign(s.env, parseEnv(readFileSync(rest[rest.indexOf("--from-file") + 1], "utf8")));
  else if (sub === "remove") delete s.env[rest[0]];
  save(s);
  process.exit(0);
}

if (cmd !== "dev") process.exit(2);
if (process.env.FAKE_CONVEX_MODE === "offline") {
  console.error("CONVEX_AGENT_MODE=anonymous mode is in beta, functionality may change in the future.");
  console.error("✖ Failed to fetch latest backend version");
  console.error("✖ Hit an error while running local deployment.");
  console.error("Unexpected Error: Error: getaddrinfo ENOTFOUND o1192621.ingest.sentry.io");
  console.error("    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26)");
  process.exit(1);
}

const site = createServer((req, res) => {
  const secret = load().env.EDGE_SECRET;
  const json = (status, body) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  if (!secret || req.headers.authorization !== `Bearer ${secret}`)
    return json(401, { error: { code: "UNAUTHENTICATED", message: "Missing or wrong edge secret" } });
  if (req.url === "/edge/health") return json(200, { ok: true });
  // X-User-Id is "<issuer>|<subject>"; the profile's clerkId is the subject.
  if (req.url === "/edge/me")
    return json(200, { clerkId: String(req.headers["x-user-id"]).split("|").pop(), plan: "free" });
  json(404, { error: { code: "NOT_FOUND", message: "no route" } });
});
site.listen(0, "127.0.0.1", () => {
  const port = site.address().port;
  writeFileSync(
    ".env.local",
    `CONVEX_DEPLOYMENT=anonymous:anonymous-autocrea\nCONVEX_URL=http://127.0.0.1:${port - 1}\nCONVEX_SITE_URL=http://127.0.0.1:${port}\n`,
  );
  const s = load();
  s.log.push(["dev", process.env.CONVEX_AGENT_MODE ?? ""]);
  save(s);
  console.log("✔ 12:00:00 Convex functions ready! (0.10s)");
});
process.on("SIGINT", () => {
  const s = load();
  s.log.push(["stopped"]);
  save(s);
  process.exit(0);
});
