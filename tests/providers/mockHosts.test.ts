// `mockHosts` (what npm run dev starts the provider fakes with): every URL a fake hands out
// says it is a mock and still parses as a URL on the provider's domain; without it (tests,
// the stack) the hosts look like the real ones.
import { afterAll, describe, expect, test } from "vitest";
import { providerClient } from "../../convex/providers/index";
import type { ProviderFakeOptions } from "../fakes/builds";
import { startNetlifyFake } from "../fakes/netlify";
import { startRailwayFake } from "../fakes/railway";
import { startVercelFake } from "../fakes/vercel";
import { file } from "./helpers";

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

/** Every string value in a JSON document that is an http(s) URL. */
function urlsIn(value: unknown): string[] {
  if (typeof value === "string") return /^https?:\/\//.test(value) ? [value] : [];
  if (value && typeof value === "object") return Object.values(value).flatMap(urlsIn);
  return [];
}

/** Deploys one file through the real client; returns its URL and the fake's raw answers about it. */
async function deployOnce(provider: "vercel" | "netlify" | "railway", opts: ProviderFakeOptions) {
  const start = { vercel: startVercelFake, netlify: startNetlifyFake, railway: startRailwayFake }[provider];
  const fake = await start(opts);
  closers.push(() => fake.close());
  const client = providerClient(provider, { token: fake.token, baseUrl: fake.baseUrl });
  const { deployment } = await client.createDeployment({
    name: "shop",
    environment: "production",
    files: [file("index.html", "<h1>hi</h1>")],
  });
  const read = await client.getDeployment(deployment.id);
  const auth = { Authorization: `Bearer ${fake.token}`, "Content-Type": "application/json" };
  const raw =
    provider === "vercel"
      ? await fetch(`${fake.baseUrl}/v13/deployments/${deployment.id}`, { headers: auth })
      : provider === "netlify"
        ? await fetch(`${fake.baseUrl}/api/v1/deploys/${deployment.id}`, { headers: auth })
        : await fetch(fake.baseUrl, {
            method: "POST",
            headers: auth,
            body: JSON.stringify({
              query: "query d($id: String!) { deployment(id: $id) { id status staticUrl url } }",
              variables: { id: deployment.id },
            }),
          });
  return { url: read.url!, handedOut: urlsIn(await raw.json()) };
}

const DOMAIN = { vercel: "vercel.app", netlify: "netlify.app", railway: "up.railway.app" } as const;

describe.each(["vercel", "netlify", "railway"] as const)("%s fake", (provider) => {
  test("mockHosts: the deployment URL and every URL in the provider's answer say mock", async () => {
    const { url, handedOut } = await deployOnce(provider, { mockHosts: true });
    const host = new URL(url).hostname;
    expect(host.endsWith(`--mock.${DOMAIN[provider]}`)).toBe(true);
    expect(handedOut.length).toBeGreaterThan(0);
    for (const u of handedOut) expect(u).toContain("--mock");
  });

  test("by default the host looks like the provider's own", async () => {
    const { url } = await deployOnce(provider, {});
    const host = new URL(url).hostname;
    expect(host.endsWith(`.${DOMAIN[provider]}`)).toBe(true);
    expect(host).not.toContain("mock");
  });
});
