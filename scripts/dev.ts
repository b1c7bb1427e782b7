// `npm run dev`: Convex (`npx convex dev`, the anonymous local backend unless a deployment
// is configured), the loopback fakes for every service without credentials, the edge on
// @hono/node-server, the Convex variables the edge seam and development sign-in need, and
// ready tokens for two demo users. Ctrl-C stops everything. The decisions live in
// scripts/devConfig.ts (unit-tested); this file only runs them.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync } from "node:fs";
import { parseEnv } from "node:util";
import { createServer, type Server } from "node:http";
import { serve } from "@hono/node-server";
import { loadConfig } from "../edge/config";
import { signDevToken } from "../edge/dev/issuer";
import { appFromEnv } from "../edge/index";
import { DEMO_USERS, renderBanner } from "./devBanner";
import {
  adoptDeploymentCredentials,
  convexEnvFor,
  convexVarNames,
  edgeEnvFor,
  planDev,
  withoutMissingFakes,
  type DevPlan,
  type Env,
  type FakeName,
} from "./devConfig";
import { convexSiteUrlFrom, envChanges, explainConvexExit, parseEnvList, toDotenv } from "./devConvex";
import { startFakes, type RunningFake } from "./devFakes";
import { loadOrCreateDevIssuerKey } from "./devIssuerKey";

const log = (msg: string) => console.log(`[dev] ${msg}`);
const fail = (msg: string): never => {
  console.error(`\n[dev] ${msg.split("\n").join("\n[dev] ")}\n`);
  throw new ExitError(1);
};
class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

// Everything started so far, stopped in one place (Ctrl-C, a failure, Convex exiting).
const children: ChildProcess[] = [];
let fakes: RunningFake[] = [];
let server: Server | undefined;
let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  server?.closeAllConnections();
  server?.close();
  const signalAll = (signal: NodeJS.Signals) => {
    for (const child of children) {
      if (child.exitCode !== null || !child.pid) continue;
      try {
        process.kill(-child.pid, signal); // the whole group: the CLI and the local backend it started
      } catch {
        // already gone
      }
    }
  };
  signalAll("SIGINT");
  await Promise.all(fakes.map((f) => f.close().catch(() => {})));
  setTimeout(() => {
    signalAll("SIGKILL");
    process.exit(code);
  }, 5_000).unref();
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  process.exit(code);
}

function readDotenv(file: string): Env {
  return existsSync(file) ? (parseEnv(readFileSync(file, "utf8")) as Env) : {};
}
/** .env, then .env.local (written by the Convex CLI), then the real environment, which wins. */
const loadEnv = (): Env => ({ ...readDotenv(".env"), ...readDotenv(".env.local"), ...process.env });

// `AUTOCREA_CONVEX_CLI=path/to/script.mjs` replaces `npx convex` (tests of this command use it).
function convexCommand(args: string[]): [string, string[]] {
  const cli = process.env.AUTOCREA_CONVEX_CLI;
  return cli ? [process.execPath, [cli, ...args]] : ["npx", ["convex", ...args]];
}

/** A one-off Convex CLI command (env list/set/remove), with `npx convex dev`'s environment. */
function runConvex(plan: DevPlan, args: string[]): Promise<{ code: number | null; stdout: string; out: string }> {
  const [cmd, argv] = convexCommand(args);
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { env: { ...process.env, ...plan.convex.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let out = "";
    child.stdout.on("data", (d) => ((stdout += d), (out += d)));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", (err) => resolve({ code: 1, stdout, out: String(err) }));
    child.on("close", (code) => resolve({ code, stdout, out }));
  });
}

// The CLI's crash reporting offline (Sentry unreachable) and stack frames: noise next to our explanation.
const CLI_NOISE = /^\s+at |ingest\.sentry\.io|Your error has been reported|This error originated either by throwing/;

/** Starts `npx convex dev`; resolves at its first "Convex functions ready!", fails with a clear message if it stops first. */
function startConvexDev(plan: DevPlan, onLateExit: (code: number | null) => void): Promise<void> {
  const [cmd, argv] = convexCommand(plan.convex.args.slice(1));
  // Own process group: Ctrl-C reaches it through us, and we can stop the local backend it starts.
  const child = spawn(cmd, argv, {
    env: { ...process.env, ...plan.convex.env },
    stdio: ["inherit", "pipe", "pipe"],
    detached: true,
  });
  children.push(child);
  let output = "";
  let ready = false;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output = (output + text).slice(-20_000);
      for (const line of text.split(/\r?\n/)) if (line.trim() && !CLI_NOISE.test(line)) console.log(`[convex] ${line}`);
      if (!ready && output.includes("Convex functions ready!")) {
        ready = true;
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("error", (err) => reject(new Error(`could not start the Convex CLI: ${err.message}`)));
    child.on("exit", (code) => {
      if (!ready) reject(new Error(explainConvexExit(output, plan.convex.target, code)));
      else if (!stopping) onLateExit(code);
    });
  });
}

/** Sets what the deployment lacks and removes what it must not have; re-pushes when auth.config.ts reads a changed variable. */
async function configureConvex(
  plan: DevPlan,
  desired: { set: Record<string, string>; remove: string[] },
  current: Record<string, string>,
) {
  const changes = envChanges(desired, current);
  const names = Object.keys(changes.set);
  if (names.length) {
    // A file rather than arguments: values stay out of the process list.
    mkdirSync(".dev", { recursive: true });
    const file = ".dev/convex-env.txt";
    rmSync(file, { force: true }); // `mode` applies only to a file created here: never reuse a leftover one
    writeFileSync(file, toDotenv(changes.set), { mode: 0o600 });
    const res = await runConvex(plan, ["env", "set", "--from-file", file, "--force"]);
    rmSync(file, { force: true });
    if (res.code !== 0) fail(`npx convex env set failed:\n${res.out.trim()}`);
    log(`Convex env set: ${names.join(", ")}`);
  }
  for (const name of changes.remove) {
    const res = await runConvex(plan, ["env", "remove", name]);
    if (res.code !== 0) fail(`npx convex env remove ${name} failed:\n${res.out.trim()}`);
    log(`Convex env removed: ${name}`);
  }
  // auth.config.ts is evaluated at push time; `convex dev` pushes again when a watched file changes.
  if (changes.repush && existsSync("convex/auth.config.ts")) {
    const now = new Date();
    utimesSync("convex/auth.config.ts", now, now);
    log("auth settings changed: Convex pushes convex/auth.config.ts again");
  }
}

async function main() {
  process.on("SIGINT", () => {
    if (!stopping) log("stopping...");
    void stop(0);
  });
  process.on("SIGTERM", () => void stop(0));
  // A closed terminal: Convex runs in its own process group, so without this it would outlive us.
  process.on("SIGHUP", () => void stop(0));
  const env = loadEnv();
  const planned = planDev(env);
  if (!planned.ok) return fail(planned.error);
  let plan = planned.plan;
  for (const w of plan.warnings) log(`warning: ${w}`);
  if (!(await portFree(plan.port)))
    return fail(`Port ${plan.port} is in use: stop what runs there or set PORT (e.g. PORT=8788 npm run dev).`);

  const issuerKey = plan.devAuth ? loadOrCreateDevIssuerKey() : undefined;
  if (issuerKey?.created) log("created the development issuer key in .dev/dev-issuer.json");

  const target = plan.convex.target;
  log(
    target.kind === "anonymous"
      ? "starting Convex: npx convex dev (anonymous local backend, no account needed)"
      : `starting Convex: npx convex dev (${target.deployment})`,
  );
  try {
    await startConvexDev(plan, (code) => {
      console.error(`\n[dev] npx convex dev stopped (code ${code}); stopping everything.`);
      void stop(1);
    });
  } catch (err) {
    return fail((err as Error).message);
  }

  // The CLI has written (or kept) CONVEX_URL / CONVEX_SITE_URL in .env.local.
  const after = loadEnv();
  const convexSiteUrl = convexSiteUrlFrom(after);
  if (!convexSiteUrl) return fail("Convex is up but .env.local has neither CONVEX_SITE_URL nor CONVEX_URL.");
  const listed = await runConvex(plan, ["env", "list", "--include-values"]);
  if (listed.code !== 0) return fail(`npx convex env list failed:\n${listed.out.trim()}`);
  const current = parseEnvList(listed.stdout);

  const before = plan.warnings.length;
  plan = adoptDeploymentCredentials(plan, env, current);
  for (const w of plan.warnings.slice(before)) log(`warning: ${w}`);
  const started = await startFakes(plan.fakes);
  fakes = started.running;
  for (const note of started.notes) log(note);
  plan = withoutMissingFakes(
    plan,
    fakes.map((f) => f.name),
  );
  const fakeUrls = Object.fromEntries(fakes.map((f) => [f.name, f.url])) as Partial<Record<FakeName, string>>;

  // Reuse the deployment's secret across runs; the edge gets the same value.
  const edgeSecret = env.EDGE_SECRET || current.EDGE_SECRET || randomBytes(24).toString("hex");
  const convexVars = existsSync("convex/convex.config.ts")
    ? convexVarNames(readFileSync("convex/convex.config.ts", "utf8"))
    : [];
  const rt = { convexSiteUrl, edgeSecret, issuerKey: issuerKey?.key, fakeUrls, convexVars };
  await configureConvex(plan, convexEnvFor(plan, env, rt, current), current);

  const edgeEnv = edgeEnvFor(plan, env, rt);
  const app = appFromEnv(edgeEnv);
  server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: plan.port }) as Server;
  await new Promise<void>((resolve, reject) => {
    server!.once("listening", resolve);
    server!.once("error", (err) =>
      reject(new Error(`the edge cannot listen on 127.0.0.1:${plan.port}: ${err.message}`)),
    );
  }).catch((err: Error) => fail(err.message));

  // The same signer POST /dev/sign-in uses.
  const devAuth = loadConfig(edgeEnv).devAuth;
  const tokens = [];
  for (const user of devAuth ? DEMO_USERS : [])
    tokens.push({ user, token: (await signDevToken(devAuth!, user)).token });
  console.log(renderBanner({ plan, convexUrl: after.CONVEX_URL ?? convexSiteUrl, convexSiteUrl, fakeUrls, tokens }));
  // The reference IDE page (edge/dev/page.ts; never served in production).
  if (!loadConfig(edgeEnv).production) console.log(`Reference IDE page: ${plan.edgeUrl}/ (docs/local-convex.md)\n`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

main().catch((err) => {
  if (!(err instanceof ExitError)) console.error(`\n[dev] unexpected error: ${(err as Error).message}\n`);
  void stop(err instanceof ExitError ? err.code : 1);
});
