// What the three provider fakes share: builds whose state is a function of the clock
// (Date is the stack's virtual clock, so `stack.advance(ms)` moves builds forward), a
// scripted build log with stable line ids, provider-shaped fault switches, and the
// webhook delivery callback.
import type { FakeServer } from "./server";

export type Phase = "queued" | "building" | "deploying" | "ready" | "error" | "canceled";
export const TERMINAL: ReadonlySet<Phase> = new Set(["ready", "error", "canceled"]);

export type FakeBuild = {
  id: string;
  /** When the build started (Netlify: once every required file is uploaded). */
  startedAt?: number;
  buildMs: number;
  fails: boolean;
  /** Set by cancel or a forced outcome (a webhook the test sends): the build ends there. */
  endedAt?: number;
  endedAs?: "ready" | "error" | "canceled";
};

/** Fractions of the build duration at which the phases begin. */
const AT = { building: 0.1, deploying: 0.7, done: 1 } as const;

export function phaseOf(b: FakeBuild, now: number): Phase | "pending" {
  if (b.startedAt === undefined) return "pending";
  if (b.endedAs && b.endedAt !== undefined && now >= b.endedAt) return b.endedAs;
  const e = now - b.startedAt;
  if (e < b.buildMs * AT.building) return "queued";
  if (e < b.buildMs * AT.deploying) return "building";
  if (b.fails) return "error";
  if (e < b.buildMs * AT.done) return "deploying";
  return "ready";
}

/** When the build entered `phase` (for providers' `updated_at`-style fields). */
export function phaseStartedAt(b: FakeBuild, phase: Phase | "pending", createdAt: number): number {
  if (b.startedAt === undefined || phase === "pending") return createdAt;
  if (b.endedAs && b.endedAt !== undefined && phase === b.endedAs) return b.endedAt;
  const f = {
    queued: 0,
    building: AT.building,
    deploying: AT.deploying,
    error: AT.deploying,
    ready: AT.done,
    canceled: 0,
  }[phase];
  return b.startedAt + Math.round(b.buildMs * f);
}

export type FakeLogLine = {
  id: string;
  at: number;
  level: "info" | "warn" | "error";
  text: string;
  stage: "build" | "deploy";
};

export const BUILD_FAILURE_MESSAGE = 'Command "npm run build" exited with 1';

/** The lines the build has printed by `now`, oldest first; ids never change. */
export function logsOf(b: FakeBuild, now: number): FakeLogLine[] {
  if (b.startedAt === undefined) return [];
  const t0 = b.startedAt;
  const at = (f: number) => t0 + Math.round(b.buildMs * f);
  const script: Omit<FakeLogLine, "id">[] = [
    { at: at(0), level: "info", text: "Build queued", stage: "build" },
    { at: at(AT.building), level: "info", text: "Installing dependencies", stage: "build" },
    { at: at(0.3), level: "info", text: 'Running "npm run build"', stage: "build" },
    { at: at(0.5), level: "warn", text: "warning: bundle is larger than 500 kB", stage: "build" },
  ];
  if (b.fails)
    script.push({ at: at(AT.deploying), level: "error", text: `Error: ${BUILD_FAILURE_MESSAGE}`, stage: "build" });
  else {
    script.push(
      { at: at(AT.deploying), level: "info", text: "Build completed; deploying outputs", stage: "deploy" },
      { at: at(0.85), level: "info", text: "Starting container", stage: "deploy" },
      { at: at(AT.done), level: "info", text: "Deployment ready", stage: "deploy" },
    );
  }
  const cut = b.endedAt ?? Infinity;
  const lines = script.map((l, i) => ({ ...l, id: `${b.id}-log-${i + 1}` })).filter((l) => l.at <= now && l.at <= cut);
  if (b.endedAs === "canceled" && b.endedAt !== undefined && now >= b.endedAt) {
    lines.push({ id: `${b.id}-log-canceled`, at: b.endedAt, level: "warn", text: "Build canceled", stage: "build" });
  }
  return lines;
}

/** Builds of one fake: creation, per-build failure switch, cancel, forced outcomes. */
export function createBuildBook(opts: { buildMs?: number; now?: () => number }) {
  const now = opts.now ?? (() => Date.now());
  const builds = new Map<string, FakeBuild>();
  let buildMs = opts.buildMs ?? 30_000;
  let failing = 0;
  return {
    builds,
    now,
    setBuildDuration(ms: number) {
      buildMs = ms;
    },
    /** The next `n` builds fail (in the build step, with BUILD_FAILURE_MESSAGE). */
    failBuilds(n = 1) {
      failing += n;
    },
    create(id: string, started = true): FakeBuild {
      const fails = failing > 0;
      if (fails) failing--;
      const b: FakeBuild = { id, buildMs, fails, startedAt: started ? now() : undefined };
      builds.set(id, b);
      return b;
    },
    phase(id: string) {
      const b = builds.get(id);
      return b ? phaseOf(b, now()) : undefined;
    },
    /** Ends a running build now; false when it already ended. */
    cancel(id: string): boolean {
      const b = builds.get(id);
      if (!b) return false;
      const p = phaseOf(b, now());
      if (p !== "pending" && TERMINAL.has(p)) return false;
      b.startedAt ??= now();
      b.endedAt = now();
      b.endedAs = "canceled";
      return true;
    },
    /** Makes a build end now with `outcome` (what a terminal webhook announces). */
    finish(id: string, outcome: "ready" | "error" | "canceled") {
      const b = builds.get(id);
      if (!b) throw new Error(`fake: no build ${id}`);
      const p = phaseOf(b, now());
      if (p !== "pending" && TERMINAL.has(p)) return; // already over: the webhook only reports it
      b.startedAt ??= now();
      b.fails = outcome === "error";
      b.endedAt = now();
      b.endedAs = outcome;
    },
  };
}
export type BuildBook = ReturnType<typeof createBuildBook>;

// ---------- faults ----------

export type FaultKind = "5xx" | "429" | "stall" | "reset" | "400";
export type FaultOptions = {
  times?: number;
  /** Only requests matching "METHOD /path". */
  match?: RegExp;
  /** 429: the Retry-After header, in seconds. */
  retryAfterSec?: number;
  /** 400 / 5xx: the provider's error message. */
  message?: string;
  /** Overrides the status (e.g. 502, 422). */
  status?: number;
};

/** Provider-shaped injected failures on top of the server's raw `failNext`. */
export function faultSwitch(server: FakeServer, errorBody: (status: number, message: string) => unknown) {
  return (kind: FaultKind, o: FaultOptions = {}) => {
    const times = o.times ?? 1;
    if (kind === "stall" || kind === "reset") return server.failNext({ kind }, times, o.match);
    const status = o.status ?? (kind === "5xx" ? 503 : kind === "429" ? 429 : 400);
    const message =
      o.message ??
      (kind === "5xx" ? "Service temporarily unavailable" : kind === "429" ? "Too many requests" : "Invalid request");
    const headers: Record<string, string> = kind === "429" ? { "retry-after": String(o.retryAfterSec ?? 7) } : {};
    server.failNext({ kind: "status", status, body: errorBody(status, message), headers }, times, o.match);
  };
}

/** What every provider fake exposes besides its own state: the server, its token, failure and build switches. */
export function fakeControls(
  server: FakeServer,
  token: string,
  book: BuildBook,
  errorBody: (status: number, message: string) => unknown,
) {
  return {
    ...server,
    token,
    /** The client's base URL (…_API_URL). */
    baseUrl: server.url,
    fail: faultSwitch(server, errorBody),
    /** The next matching request is answered 200 with exactly `text` (empty, not JSON, or the wrong shape). */
    answer(text: string, o: Pick<FaultOptions, "times" | "match"> = {}) {
      server.failNext({ kind: "raw", status: 200, text }, o.times ?? 1, o.match);
    },
    setBuildDuration: book.setBuildDuration,
    failBuilds: book.failBuilds,
  };
}

// ---------- webhooks ----------

export type WebhookDelivery = { path: string; headers: Record<string, string>; body: string };
/** Delivers a signed webhook (the stack passes convex-test's `t.fetch`; tests may POST anywhere). */
export type Deliver = (req: WebhookDelivery) => Promise<Response>;
export type WebhookOptions = { secret: string; path?: string; deliver?: Deliver };

/**
 * Signed webhook delivery for a fake: `sign(body, secret)` gives the signature header's value.
 * `notified` holds the builds whose end was announced, so a flush announces each once.
 */
export function webhookSender(opts: {
  provider: string;
  webhook?: WebhookOptions;
  path: string;
  header: string;
  sign: (body: string, secret: string) => Promise<string>;
}) {
  let webhook = opts.webhook;
  const notified = new Set<string>();
  const configured = () => {
    if (!webhook?.deliver) throw new Error(`${opts.provider} fake: no webhook delivery configured`);
    return webhook as WebhookOptions & { deliver: Deliver };
  };
  return {
    notified,
    configured,
    configure(w: WebhookOptions) {
      webhook = w;
    },
    async deliver(body: string) {
      const hook = configured();
      const delivery: WebhookDelivery = {
        path: hook.path ?? opts.path,
        headers: { "content-type": "application/json", [opts.header]: await opts.sign(body, hook.secret) },
        body,
      };
      return { delivery, response: await hook.deliver(delivery) };
    },
    /** Sends `eventFor(id)` (when it has one) for every build not announced yet; returns how many. */
    async flush<E>(
      ids: Iterable<string>,
      eventFor: (id: string) => E | undefined,
      send: (id: string, event: E) => Promise<unknown>,
    ) {
      let sent = 0;
      for (const id of ids) {
        const event = notified.has(id) ? undefined : eventFor(id);
        if (event === undefined) continue;
        notified.add(id);
        await send(id, event);
        sent++;
      }
      return sent;
    },
  };
}

export type ProviderFakeOptions = {
  /** The token the fake accepts (Authorization: Bearer). */
  token?: string;
  /** Build duration in ms (default 30 s). */
  buildMs?: number;
  /** The clock builds advance with (default Date.now: the stack's virtual clock). */
  now?: () => number;
  webhook?: WebhookOptions;
  /**
   * Every URL the fake hands out says it is a mock (`https://shop-ab12cd--mock.vercel.app`):
   * what `npm run dev` uses, so a mocked deployment is never taken for a live site.
   */
  mockHosts?: boolean;
};

/** A hostname label, marked `--mock` when the fake runs with `mockHosts`. */
export const hostLabel = (opts: Pick<ProviderFakeOptions, "mockHosts">) => (label: string) =>
  opts.mockHosts ? `${label}--mock` : label;

export const bearer = (h: string | string[] | undefined) =>
  typeof h === "string" && h.startsWith("Bearer ") ? h.slice(7) : undefined;

/** Stable, readable ids: prefix + a counter. */
export function idMaker(prefix: string) {
  let n = 0;
  return () => `${prefix}${(++n).toString(36).padStart(6, "0")}`;
}
