// The README's two run commands end to end. `npm run dev`, with a stand-in for the Convex CLI
// (AUTOCREA_CONVEX_CLI): it starts the fakes and the edge, configures Convex, prints working
// tokens, explains an offline failure without a stack trace, and stops everything on Ctrl-C.
// `npm run stack`: the printed tokens work against the printed URL, offline, until Ctrl-C.
import { pathToFileURL } from "node:url";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { loadOrCreateDevIssuerKey } from "../../scripts/devIssuerKey";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** tsx as a loader in the script's own node process, as the npm scripts run it (no relay process in front). */
const tsxLoader = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;
const fakeCli = join(root, "tests/dev/fakeConvexCli.mjs");

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

type Run = { child: ChildProcess; dir: string; port: number; out: () => string; exited: Promise<number | null> };
const runs: Run[] = [];

/** Runs a script of ours with the tsx loader, as its npm script does, in a fresh directory and a bare environment. */
async function runScript(
  script: string,
  args: (port: number) => string[],
  env: (dir: string, port: number) => Record<string, string>,
  opts: { ownGroup?: boolean } = {},
): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "autocrea-dev-"));
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", tsxLoader, join(root, script), ...args(port)], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env(dir, port) },
    stdio: ["ignore", "pipe", "pipe"],
    detached: opts.ownGroup, // a process group of its own, as a terminal gives a command
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const run = { child, dir, port, out: () => out, exited };
  runs.push(run);
  return run;
}

const runDev = (extraEnv: Record<string, string> = {}, opts: { ownGroup?: boolean } = {}) =>
  runScript(
    "scripts/dev.ts",
    () => [],
    (dir, port) => ({
      PORT: String(port),
      AUTOCREA_CONVEX_CLI: fakeCli,
      FAKE_CONVEX_STATE: join(dir, "convex-state.json"),
      ...extraEnv,
    }),
    opts,
  );

async function until(run: Run, text: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!run.out().includes(text)) {
    if (Date.now() > deadline || run.child.exitCode !== null) throw new Error(`never printed "${text}":\n${run.out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

afterEach(async () => {
  for (const r of runs.splice(0)) {
    if (r.child.exitCode === null) r.child.kill("SIGKILL");
    rmSync(r.dir, { recursive: true, force: true });
  }
});

describe("npm run dev", () => {
  test("without internet: a clear next step (npm run stack), no stack trace, exit code 1", async () => {
    const run = await runDev({ FAKE_CONVEX_MODE: "offline" });
    expect(await run.exited).toBe(1);
    const out = run.out();
    expect(out).toMatch(/Convex's local backend could not be downloaded/);
    expect(out).toMatch(/npm run stack/);
    expect(out).not.toMatch(/^\s+at /m);
    expect(out).not.toMatch(/unexpected error/i);
  }, 60_000);

  test("starts everything, prints tokens that work, configures Convex, and Ctrl-C stops it all", async () => {
    const run = await runDev();
    await until(run, "Ctrl-C stops everything.");
    const edge = `http://127.0.0.1:${run.port}`;
    const ada = /export ADA_TOKEN=(\S+)/.exec(run.out())![1];

    const health = await (await fetch(`${edge}/health`)).json();
    expect(health).toMatchObject({ status: "ok", convex: { ok: true } });
    expect(health.services).toEqual({
      clerk: "mock",
      anthropic: "mock",
      vercel: "mock",
      netlify: "mock",
      railway: "mock",
    });
    // Through the edge and the seam, with the secret npm run dev gave both sides.
    const me = await fetch(`${edge}/api/me`, { headers: { Authorization: `Bearer ${ada}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ clerkId: "user_dev_ada" });

    const state = JSON.parse(readFileSync(join(run.dir, "convex-state.json"), "utf8"));
    expect(state.log[0]).toEqual(["dev", "anonymous"]); // CONVEX_AGENT_MODE=anonymous
    expect(state.env).toMatchObject({
      AUTOCREA_DEV_AUTH: "1",
      AUTOCREA_DEV_ISSUER: edge,
      AUTOCREA_MOCK_SERVICES: "anthropic,vercel,netlify,railway,stripe,lemonsqueezy",
    });
    expect(state.env.AUTOCREA_DEV_JWKS).toMatch(/^data:text\/plain;charset=utf-8;base64,/);
    // The fakes npm run dev started answer at the URLs Convex was given.
    const vercel = await fetch(`${state.env.VERCEL_API_URL}/v13/deployments/nope`, {
      headers: { Authorization: `Bearer ${state.env.VERCEL_TOKEN}` },
    });
    expect(vercel.status).toBe(404);
    // ...and the deployments they create have URLs that say they are mocks.
    const created = await fetch(`${state.env.VERCEL_API_URL}/v13/deployments`, {
      method: "POST",
      headers: { Authorization: `Bearer ${state.env.VERCEL_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "shop", files: [{ file: "index.html", data: "<h1>hi</h1>" }] }),
    });
    expect((await created.json()).url).toMatch(/^shop-[a-z0-9]+--mock\.vercel\.app$/);
    expect(existsSync(join(run.dir, ".dev/convex-env.txt"))).toBe(false); // values never left on disk
    expect(statSync(join(run.dir, ".dev/dev-issuer.json")).mode & 0o077).toBe(0);

    run.child.kill("SIGINT");
    expect(await run.exited).toBe(0);
    expect(JSON.parse(readFileSync(join(run.dir, "convex-state.json"), "utf8")).log.at(-1)).toEqual(["stopped"]);
    await expect(fetch(`${edge}/health`)).rejects.toThrow();
  }, 60_000);

  test("the issuer key is created once and reused", () => {
    const dir = mkdtempSync(join(tmpdir(), "autocrea-key-"));
    try {
      const file = join(dir, ".dev/dev-issuer.json");
      const first = loadOrCreateDevIssuerKey(file);
      const again = loadOrCreateDevIssuerKey(file);
      expect(first.created).toBe(true);
      expect(again).toEqual({ key: first.key, created: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a damaged issuer key file is replaced by one only its owner can read", () => {
    const dir = mkdtempSync(join(tmpdir(), "autocrea-key-"));
    try {
      const file = join(dir, "dev-issuer.json");
      writeFileSync(file, "not json", { mode: 0o644 });
      expect(loadOrCreateDevIssuerKey(file).created).toBe(true);
      expect(statSync(file).mode & 0o077).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a closed terminal (SIGHUP) stops Convex too, not only the edge", async () => {
    const run = await runDev({}, { ownGroup: true });
    await until(run, "Ctrl-C stops everything.");
    process.kill(-run.child.pid!, "SIGHUP"); // what closing the terminal does: the whole foreground group
    // (tsx, the wrapper, does not handle SIGHUP and dies of it; what matters is our process.)
    // The stand-in CLI logs "stopped" when it gets its SIGINT; an orphan never would.
    const lastLog = () => JSON.parse(readFileSync(join(run.dir, "convex-state.json"), "utf8")).log.at(-1);
    await expect.poll(lastLog, { timeout: 10_000, interval: 100 }).toEqual(["stopped"]);
    await expect
      .poll(
        () =>
          fetch(`http://127.0.0.1:${run.port}/health`).then(
            () => "up",
            () => "down",
          ),
        { timeout: 10_000 },
      )
      .toBe("down");
  }, 60_000);
});

describe("npm run stack", () => {
  test("prints the edge URL and tokens that work; health lists the fakes as mocks; Ctrl-C stops it", async () => {
    const run = await runScript(
      "scripts/stack.ts",
      (port) => ["--port", String(port), "--quiet"],
      () => ({}),
    );
    await until(run, "Ctrl-C stops it.");
    const edge = /edge {5}(http:\/\/127\.0\.0\.1:\d+)/.exec(run.out())![1]; // the asked port, or a free one if taken meanwhile
    const token = (name: string) => new RegExp(`export ${name}='(\\S+)'`).exec(run.out())![1];

    const health = await (await fetch(`${edge}/health`)).json();
    expect(health).toMatchObject({ status: "ok", convex: { ok: true } });
    // The stack signs its own tokens and offers POST /dev/sign-in: Clerk is mocked too.
    expect(health.services).toEqual({
      clerk: "mock",
      anthropic: "mock",
      vercel: "mock",
      netlify: "mock",
      railway: "mock",
    });
    for (const [name, clerkId] of [
      ["ADA_TOKEN", "user_dev_ada"],
      ["GRACE_TOKEN", "user_dev_grace"],
    ]) {
      const me = await fetch(`${edge}/api/me`, { headers: { Authorization: `Bearer ${token(name)}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ clerkId, plan: "free" });
    }
    // The fake Claude's answer says it is a mock in its text, not only in `mock: true`.
    const explain = await fetch(`${edge}/api/ai/explain`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token("ADA_TOKEN")}`, "Content-Type": "application/json" },
      body: JSON.stringify({ code: "const a = 1;", language: "typescript" }),
    });
    expect(explain.status).toBe(200);
    expect(await explain.json()).toMatchObject({ mock: true, response: expect.stringMatching(/^\(mock Claude\) /) });

    run.child.kill("SIGINT");
    expect(await run.exited).toBe(0);
    await expect(fetch(`${edge}/health`)).rejects.toThrow();
  }, 60_000);
});
