import { describe, expect, test } from "vitest";
import type { ProviderTarget } from "../../convex/providers/types";
import { startNetlifyFake } from "../fakes/netlify";
import { binary, file, fakeWithClient, sha1 } from "./helpers";

const { clock, fake, client } = await fakeWithClient(startNetlifyFake, "netlify");

const files = () => [
  file("index.html", "<h1>Hi</h1>"),
  file("about/index.html", "<h1>Hi</h1>"), // same content as index.html: one upload serves both
  file("app.js", "console.log(1)"),
  file("logo.png", binary(3000, 5)),
];

describe("Netlify client against the fake", () => {
  let target: ProviderTarget;

  test("creates the site, uploads only the required digests, reaches ready, synthesizes logs", async () => {
    const fs = files();
    const { deployment, target: t } = await client.createDeployment({
      name: "My Site!",
      environment: "production",
      files: fs,
    });
    target = t;
    expect(target).toMatchObject({ provider: "netlify", siteName: "my-site" });
    expect(fake.sites()).toHaveLength(1);

    const create = JSON.parse(fake.requests.find((r) => /\/sites\/[^/]+\/deploys$/.test(r.path))!.body);
    expect(create).toEqual({
      async: true,
      files: Object.fromEntries(fs.map((f) => [`/${f.path}`, sha1(f.bytes)])),
    });
    // The async deploy was read until `required` was known, then 3 distinct digests were uploaded.
    const uploads = fake.uploads();
    expect(uploads.map((u) => u.headers["content-type"])).toEqual(Array(3).fill("application/octet-stream"));
    expect(new Set(uploads.map((u) => sha1(u.raw)))).toEqual(
      new Set([sha1(fs[0].bytes), sha1(fs[2].bytes), sha1(fs[3].bytes)]),
    );
    expect(deployment.state).toBe("uploading");

    expect((await client.getDeployment(deployment.id)).state).toBe("building"); // "uploaded": waiting to process
    clock.advance(10_000);
    expect(await client.getDeployment(deployment.id)).toMatchObject({ state: "building", rawState: "building" });
    clock.advance(15_000);
    expect(await client.getDeployment(deployment.id)).toMatchObject({ state: "deploying", rawState: "processing" });
    const partial = await client.getLogs(deployment.id);
    clock.advance(10_000);
    const ready = await client.getDeployment(deployment.id);
    expect(ready).toMatchObject({ state: "ready", url: "https://my-site.netlify.app" });

    const rest = await client.getLogs(deployment.id, partial.at(-1)!.id);
    expect([...partial, ...rest].map((l) => l.text)).toEqual([
      "Deploy created",
      "Uploading changed files",
      "Files received; processing the deploy",
      "Publishing",
      "Deploy is live at https://my-site.netlify.app",
    ]);
    expect(rest.map((l) => l.id)).toEqual([`${deployment.id}:ready`]);
  });

  test("a redeploy of the same content to the same site uploads nothing", async () => {
    const { deployment, target: t } = await client.createDeployment({
      target,
      name: "x",
      environment: "production",
      files: files(),
    });
    expect(t).toEqual(target);
    expect(fake.sites()).toHaveLength(1);
    expect(fake.uploads()).toHaveLength(0);
    clock.advance(30_000);
    expect((await client.getDeployment(deployment.id)).state).toBe("ready");
  });

  test("one changed file is the only upload; preview deploys are drafts with their own URL", async () => {
    const fs = files();
    fs[2] = file("app.js", "console.log(2)");
    const { deployment } = await client.createDeployment({ target, name: "x", environment: "preview", files: fs });
    expect(fake.uploads().map((u) => u.path)).toEqual([`/api/v1/deploys/${deployment.id}/files/app.js`]);
    expect(JSON.parse(fake.requests.find((r) => r.path.endsWith("/deploys"))!.body).draft).toBe(true);
    clock.advance(30_000);
    expect((await client.getDeployment(deployment.id)).url).toBe(`https://${deployment.id}--my-site.netlify.app`);
  });

  test("paths are encoded per segment", async () => {
    const f = file("docs/a b/ü.txt", "unicode path");
    const { deployment } = await client.createDeployment({ target, name: "x", environment: "preview", files: [f] });
    expect(fake.uploads().map((u) => u.path)).toEqual([`/api/v1/deploys/${deployment.id}/files/docs/a%20b/%C3%BC.txt`]);
    expect(fake.deploy(deployment.id)!.uploaded.has(sha1(f.bytes))).toBe(true);
  });

  test("a taken site name is retried once with a suffix", async () => {
    const { target: t } = await client.createDeployment({
      name: "my-site",
      environment: "production",
      files: [file("a.txt", "a")],
    });
    expect(t.provider === "netlify" && t.siteName).toMatch(/^my-site-[0-9a-f]{6}$/);
  });

  test("cancel ends canceled, with a closing log line", async () => {
    const { deployment } = await client.createDeployment({
      target,
      name: "x",
      environment: "production",
      files: [file("v.txt", "two")],
    });
    clock.advance(5_000);
    await client.cancelDeployment(deployment.id);
    expect(await client.getDeployment(deployment.id)).toMatchObject({
      state: "canceled",
      errorMessage: "Canceled build",
    });
    expect((await client.getLogs(deployment.id)).at(-1)).toMatchObject({ level: "warn", text: "Deploy canceled" });
  });

  test("a failing build ends in error with Netlify's message", async () => {
    fake.failBuilds(1);
    const { deployment } = await client.createDeployment({
      target,
      name: "x",
      environment: "production",
      files: [file("e.txt", "err")],
    });
    clock.advance(30_000);
    expect(await client.getDeployment(deployment.id)).toMatchObject({
      state: "error",
      errorMessage: 'Command "npm run build" exited with 1',
    });
    expect((await client.getLogs(deployment.id)).at(-1)).toMatchObject({ level: "error" });
  });
});
