// Starts the loopback fakes (tests/fakes/*) that `npm run dev` needs, each accepting exactly
// the credential npm run dev gives the clients, and each saying that it is a mock.
import { startAnthropicFake } from "../tests/fakes/anthropic";
import { mockClaudeReply } from "../tests/fakes/mockClaude";
import type { ProviderFakeOptions } from "../tests/fakes/builds";
import { startNetlifyFake } from "../tests/fakes/netlify";
import { startRailwayFake } from "../tests/fakes/railway";
import { startVercelFake } from "../tests/fakes/vercel";
import { mockCredential, type FakeName } from "./devConfig";

/** `url` is what the client's base-URL variable gets (SERVICE_WIRING[name].urlVar). */
export type RunningFake = { name: FakeName; url: string; close(): Promise<void> };

/** How the provider fakes run in development: every deployment URL says it is a mock. */
export const DEV_PROVIDER_FAKE_OPTIONS = { mockHosts: true } satisfies ProviderFakeOptions;

const START: Record<FakeName, () => Promise<{ url: string; close(): Promise<void> }>> = {
  async anthropic() {
    const fake = await startAnthropicFake({ apiKey: mockCredential("anthropic") });
    // Says it is a mock; plays a believable build (tests/fakes/mockClaude.ts).
    fake.configure({ reply: mockClaudeReply });
    return { url: fake.url, close: fake.close };
  },
  async vercel() {
    const fake = await startVercelFake({ ...DEV_PROVIDER_FAKE_OPTIONS, token: mockCredential("vercel") });
    return { url: fake.baseUrl, close: fake.close };
  },
  async netlify() {
    const fake = await startNetlifyFake({ ...DEV_PROVIDER_FAKE_OPTIONS, token: mockCredential("netlify") });
    return { url: fake.baseUrl, close: fake.close };
  },
  async railway() {
    const fake = await startRailwayFake({ ...DEV_PROVIDER_FAKE_OPTIONS, token: mockCredential("railway") });
    return { url: fake.baseUrl, close: fake.close };
  },
};

/** Starts the named fakes; one that cannot start is reported in `notes` (its service is then off). */
export async function startFakes(names: FakeName[]): Promise<{ running: RunningFake[]; notes: string[] }> {
  const running: RunningFake[] = [];
  const notes: string[] = [];
  for (const name of names) {
    try {
      running.push({ name, ...(await START[name]()) });
    } catch (err) {
      notes.push(
        `the fake ${name} could not start (${(err as Error).message.split("\n")[0]}); ${name} calls fail until its credentials are set`,
      );
    }
  }
  return { running, notes };
}
