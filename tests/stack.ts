// The whole backend in one process: the real Hono app on @hono/node-server at a free
// 127.0.0.1 port, Convex functions on convex-test (all components registered) behind the
// real edge seam and behind a local Convex the official clients connect to (client API,
// sync WebSocket and site, scripts/localConvex/), Clerk-shaped tokens from a fresh RS256 key
// verified by @clerk/backend, and a stack-owned clock (see tests/clock.ts; crons: see
// tests/stackCrons.ts). Used by tests, `npm run stack`, the bench.
import { newConvexTest } from "./convexTest"; // load convex-test before the clock: it keeps the real setTimeout
import { verifyToken } from "@clerk/backend";
import { randomBytes } from "node:crypto";
import { closeServer, serveLoopback } from "../scripts/localConvex/loopback";
import { observeWrites } from "../scripts/localConvex/observe";
import { AUTH_FAILED, startLocalConvex } from "../scripts/localConvex/server";
import { convexModules } from "./convexModules";
import { stackCrons } from "./stackCrons";
import { internal } from "../convex/_generated/api";
import { createApp } from "../edge/app";
import { loadConfig, type Env } from "../edge/config";
import { createConvexSeam, type FetchLike } from "../edge/convex";
import { acquireClock, type StackClock } from "./clock";
import { startAnthropicFake } from "./fakes/anthropic";
import { startProviderFakes, type ProviderFakesOptions } from "./fakes/providers";
import { callerFor, makeKeyPair, signSessionToken, TEST_ISSUER, type SessionClaims } from "./keys";

export type StackOptions = {
  port?: number;
  /** Extra edge environment (e.g. provider base URLs). */
  env?: Env;
  /** Edge log lines; silent by default. */
  log?: (line: Record<string, unknown>) => void;
  /** How the provider fakes start (`npm run dev` gives them `mockHosts: true`). */
  providerFakes?: Pick<ProviderFakesOptions, "mockHosts">;
  /** Development sign-in (`POST /dev/sign-in`, as `npm run dev` offers), signed with the stack's key. */
  devSignIn?: boolean;
  /** Run convex/crons.ts on the stack clock (tests/stackCrons.ts); `npm run stack` does. */
  crons?: boolean;
  /** The local Convex client API port (site: the next one); default any free pair. */
  convexPort?: number;
};
export type Stack = Awaited<ReturnType<typeof startStack>>;
export type StackUser = { id: string; email?: string; name?: string; role?: "user" | "admin" };

export const STACK_ISSUER = TEST_ISSUER;
export const STACK_ORIGIN = "http://localhost:5173";

// Stacks alive in this process share ONE clock, so advance() settles all of them (and runs
// the crons of those that run crons).
type Live = { settle(): Promise<void>; cronAt(): number; runCrons(now: number): Promise<unknown>; wrote(): void };
const live = new Set<Live>();
const settleAll = async () => {
  await Promise.all([...live].map((s) => s.settle()));
};
const nextCronAt = () => Math.min(Infinity, ...[...live].map((s) => s.cronAt()));

export async function startStack(opts: StackOptions = {}) {
  const clock = acquireClock();
  try {
    return await start(opts, clock);
  } catch (err) {
    clock.release();
    throw err;
  }
}

async function start(opts: StackOptions, clock: StackClock) {
  const raw = newConvexTest();
  // Every write through `t` (tests, the seam, webhooks, scheduled functions, crons) re-runs subscriptions.
  const writes = { notify: () => {} };
  const t = observeWrites(raw, () => writes.notify());
  // Convex HTTP actions read it from process.env; one value per process.
  const secret = (process.env.EDGE_SECRET ??= randomBytes(24).toString("hex"));
  const keys = await makeKeyPair();
  // Claude, faked; Convex actions (conversation analysis) reach it through process.env.
  const anthropic = await startAnthropicFake();
  process.env.ANTHROPIC_BASE_URL = anthropic.url;
  process.env.ANTHROPIC_API_KEY = anthropic.apiKey;
  // Vercel, Netlify and Railway, faked; builds advance with the stack clock. Their signed
  // webhooks go straight to Convex's HTTP router; deployment actions find them through env.
  const providers = await startProviderFakes({
    ...opts.providerFakes,
    tokens: { vercel: "stack-vercel-token", netlify: "stack-netlify-token", railway: "stack-railway-token" },
    webhookSecrets: {
      vercel: (process.env.VERCEL_WEBHOOK_SECRET ??= randomBytes(16).toString("hex")),
      netlify: (process.env.NETLIFY_WEBHOOK_SECRET ??= randomBytes(16).toString("hex")),
    },
    deliver: (req) => t.fetch(req.path, { method: "POST", headers: req.headers, body: req.body }),
  });
  Object.assign(process.env, providers.env());
  // Loopback fakes answer in milliseconds: a stalled call fails fast (uploads get 4–10×).
  process.env.PROVIDER_TIMEOUT_MS ??= "2000";

  const local = await startLocalConvex({
    t: raw,
    modules: convexModules(),
    verify: verifyForLocalConvex,
    port: opts.convexPort,
  });
  writes.notify = local.wrote;
  // The most recent seam round trips (bounded: `npm run stack` runs for hours).
  const seamCalls: { path: string; ms: number; status: number }[] = [];
  const transport: FetchLike = (url, init) => {
    const u = new URL(url);
    return t.fetch(u.pathname + u.search, init);
  };
  const convex = createConvexSeam({
    siteUrl: local.siteUrl, // the transport calls convex-test directly; the page derives CONVEX_URL from it
    secret,
    transport,
    onCall: (path, ms, status) => {
      if (seamCalls.push({ path, ms, status }) > 10_000) seamCalls.splice(0, 5_000);
    },
  });
  const devSignIn: Env = opts.devSignIn
    ? {
        AUTOCREA_ENV: "development",
        CLERK_JWT_KEY: undefined,
        AUTOCREA_DEV_AUTH: "1",
        AUTOCREA_DEV_ISSUER: STACK_ISSUER,
        AUTOCREA_DEV_ISSUER_KEY: JSON.stringify({
          kid: keys.kid,
          publicPem: keys.publicPem,
          privateJwk: keys.privateKey.export({ format: "jwk" }),
        }),
      }
    : {};
  const config = loadConfig({
    CONVEX_SITE_URL: local.siteUrl,
    CLERK_JWT_KEY: keys.publicPem,
    CLERK_AUTHORIZED_PARTIES: STACK_ORIGIN,
    CORS_ORIGINS: STACK_ORIGIN,
    ANTHROPIC_BASE_URL: anthropic.url,
    ANTHROPIC_API_KEY: anthropic.apiKey,
    // Short, so failure tests stay fast: one SDK retry (~0.5 s backoff), 1.5 s timeouts.
    ANTHROPIC_MAX_RETRIES: "1",
    ANTHROPIC_TIMEOUT_MS: "1500",
    ANTHROPIC_IDLE_TIMEOUT_MS: "1500",
    // Settle retried for 1.5 s: attempts after 0, 200, 400 and 800 ms.
    EDGE_SETTLE_RETRY_MS: "1500",
    ...devSignIn,
    ...opts.env,
  });
  const app = createApp({ config, convex, log: opts.log ?? (() => {}) });
  let edge: Awaited<ReturnType<typeof serveLoopback>>;
  try {
    edge = await serveLoopback((req) => app.fetch(req), opts.port ?? 0);
  } catch (err) {
    // e.g. EADDRINUSE: leave nothing listening behind (`npm run stack` retries on a free port).
    await Promise.allSettled([anthropic.close(), providers.close(), local.close()]);
    throw err;
  }
  const { server, url: edgeUrl } = edge;
  const crons = opts.crons ? stackCrons(convexModules(), clock.now()) : undefined;
  const member: Live = {
    // Un-observed: a settle with nothing due must not re-run every subscription (advance says when timers fired).
    settle: () => raw.finishInProgressScheduledFunctions(),
    cronAt: () => crons?.nextAt() ?? Infinity,
    runCrons: async (now) => crons?.runDue(now, t),
    wrote: () => local.wrote(),
  };
  live.add(member);

  async function verifyForLocalConvex(token: string) {
    const identity = await identityFor(token);
    const { exp } = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()) as { exp?: number };
    return { identity, expiresAt: typeof exp === "number" ? exp * 1000 : undefined };
  }

  /** What Convex's auth would make of a token the stack (or its development issuer) signed. */
  async function identityFor(token: string) {
    const devPem = config.devAuth?.publicPem;
    const c = await verifyToken(token, { jwtKey: keys.publicPem })
      .catch((err: unknown) => {
        if (!devPem) throw err;
        return verifyToken(token, { jwtKey: devPem });
      })
      .catch((err: unknown) => {
        // What a deployment answers for a token it cannot verify (the reason helps a developer).
        throw new Error(`${AUTH_FAILED} (${(err as { reason?: string }).reason ?? "token-invalid"})`);
      });
    const claim = (name: string) => (typeof c[name] === "string" ? (c[name] as string) : undefined);
    return {
      subject: c.sub,
      issuer: c.iss,
      tokenIdentifier: `${c.iss}|${c.sub}`,
      email: claim("email"),
      name: claim("name"),
    };
  }

  return {
    edgeUrl,
    /** CONVEX_URL of the local Convex (client HTTP API and sync WebSocket, for the official clients). */
    convexUrl: local.url,
    /** CONVEX_SITE_URL of the local Convex (every route of convex/http.ts). */
    convexSiteUrl: local.siteUrl,
    /** The reference IDE page (development only). */
    pageUrl: `${edgeUrl}/`,
    localConvex: local,
    /** The convex-test instance (for internal functions and direct db access in tests). */
    t,
    app,
    seamCalls,
    /** Loopback fakes of external APIs (the edge and Convex are pointed at them). */
    fakes: { anthropic, vercel: providers.vercel, netlify: providers.netlify, railway: providers.railway },
    now: () => clock.now(),
    /** A Clerk-shaped session token for `user`; the user row exists afterwards. */
    async signIn(user: StackUser, ttlSec = 3600): Promise<string> {
      await t.mutation(internal.users.meForEdge, {
        caller: callerFor(user.id, { email: user.email, name: user.name }),
      });
      if (user.role) await t.mutation(internal.users.setRole, { clerkId: user.id, role: user.role });
      return signSessionToken(keys, {
        sub: user.id,
        iss: STACK_ISSUER,
        azp: STACK_ORIGIN,
        email: user.email,
        name: user.name,
        ttlSec,
        now: clock.now(),
      });
    },
    /** A token signed by the stack's key with any claims (expired, other `azp`…); creates no user. */
    signToken(claims: SessionClaims): string {
      return signSessionToken(keys, { iss: STACK_ISSUER, azp: STACK_ORIGIN, now: clock.now(), ...claims });
    },
    /** A token of the right shape signed by a key the edge does not trust. */
    async forgeToken(user: { id: string }): Promise<string> {
      return signSessionToken(await makeKeyPair(), {
        sub: user.id,
        iss: STACK_ISSUER,
        azp: STACK_ORIGIN,
        now: clock.now(),
      });
    },
    /** Public Convex functions as the user the (verified) token names. */
    convex(token: string) {
      const as = identityFor(token).then((id) => t.withIdentity(id));
      as.catch(() => {}); // surfaced by the first call instead
      type As = Awaited<typeof as>;
      const query: As["query"] = (fn, ...args) => as.then((c) => c.query(fn, ...args));
      const mutation: As["mutation"] = (fn, ...args) => as.then((c) => c.mutation(fn, ...args));
      const action: As["action"] = (fn, ...args) => as.then((c) => c.action(fn, ...args));
      return { query, mutation, action };
    },
    /** Moves the clock by `ms`, running every scheduled function (and cron) that falls due, in order. */
    async advance(ms: number): Promise<void> {
      const target = clock.now() + ms;
      // After scheduled functions ran (and settled), subscriptions are re-run: their writes are pushed.
      let fired = false;
      const pushFired = () => {
        if (fired) for (const s of live) s.wrote();
        fired = false;
      };
      for (let i = 0; ; i++) {
        if (i > 10_000) throw new Error("advance: too many steps (a function keeps rescheduling itself?)");
        await settleAll();
        pushFired();
        const cronAt = nextCronAt();
        const next = Math.min(clock.nextTimerAt() ?? Infinity, cronAt);
        if (next > target) break;
        clock.tick(Math.max(0, next - clock.now()));
        fired = true;
        if (cronAt <= clock.now()) await Promise.all([...live].map((s) => s.runCrons(clock.now())));
      }
      clock.tick(target - clock.now());
      await settleAll();
      pushFired();
    },
    async close(): Promise<void> {
      await t.finishInProgressScheduledFunctions();
      live.delete(member);
      await local.close();
      await closeServer(server);
      await anthropic.close();
      await providers.close();
      clock.release();
    },
  };
}
