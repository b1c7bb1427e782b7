// Starts the loopback fakes (tests/fakes/*) that `npm run dev` needs. Imported lazily: a fake
// that does not exist yet is reported with a clear note instead of stopping the command.
import { mockCredential, type FakeName } from "./devConfig";

export type RunningFake = { name: FakeName; url: string; close(): Promise<void> };

/** tests/fakes/<name>.ts, and the export names a fake's start function may have. */
export const FAKE_MODULES: Record<FakeName, { file: string; exports: string[] }> = {
  anthropic: { file: "../tests/fakes/anthropic.ts", exports: ["startAnthropicFake"] },
  vercel: { file: "../tests/fakes/vercel.ts", exports: ["startVercelFake"] },
  netlify: { file: "../tests/fakes/netlify.ts", exports: ["startNetlifyFake"] },
  railway: { file: "../tests/fakes/railway.ts", exports: ["startRailwayFake"] },
};

/** What a fake's start function returns: `baseUrl` when the client needs more than the origin. */
type Started = { url: string; baseUrl?: string; close(): Promise<void>; configure?: (o: { reply: string }) => void };
type StartFn = (opts?: { token?: string; apiKey?: string }) => Promise<Started>;

/** What the fake Claude answers in development: it says what it is, and still looks like work. */
export const MOCK_REPLY =
  "(mock) This answer comes from the local fake Anthropic: set ANTHROPIC_API_KEY for real Claude.\n```ts\nexport const answer = 42;\n```\n";

/** The module's start function: a known name, else the one exported `start…` function naming the service. */
export function findStartFunction(mod: Record<string, unknown>, name: FakeName): StartFn | undefined {
  for (const e of FAKE_MODULES[name].exports) if (typeof mod[e] === "function") return mod[e] as StartFn;
  const candidates = Object.entries(mod).filter(
    ([k, v]) => typeof v === "function" && /^start/i.test(k) && k.toLowerCase().includes(name),
  );
  return candidates.length === 1 ? (candidates[0][1] as StartFn) : undefined;
}

export async function startFakes(names: FakeName[]): Promise<{ running: RunningFake[]; notes: string[] }> {
  const running: RunningFake[] = [];
  const notes: string[] = [];
  for (const name of names) {
    const { file, exports } = FAKE_MODULES[name];
    let mod: Record<string, unknown>;
    try {
      mod = (await import(file)) as Record<string, unknown>;
    } catch (err) {
      notes.push(
        `no fake ${name} (${file.slice(3)}: ${(err as Error).message.split("\n")[0]}); ${name} calls fail until it exists or its credentials are set`,
      );
      continue;
    }
    const start = findStartFunction(mod, name);
    if (!start) {
      notes.push(`${file.slice(3)} exports no start function (looked for ${exports.join(", ")}); ${name} calls will fail`);
      continue;
    }
    // The fake accepts exactly the credential npm run dev gives the clients.
    const fake = await start({ token: mockCredential(name), apiKey: mockCredential(name) });
    if (name === "anthropic") fake.configure?.({ reply: MOCK_REPLY });
    running.push({ name, url: fake.baseUrl ?? fake.url, close: () => fake.close() });
  }
  return { running, notes };
}
