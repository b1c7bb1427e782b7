import { describe, expect, test } from "vitest";
import { providerClient } from "../../convex/providers/index";
import { startVercelFake } from "../fakes/vercel";
import { binary, file, fakeWithClient, providerError, sha1 } from "./helpers";

const { clock, fake, client } = await fakeWithClient(startVercelFake, "vercel", {
  teamId: "team_abc",
  inlineMaxBytes: 1024,
});

describe("Vercel client against the fake", () => {
  test("deploys inline and uploaded files, reaches ready, reads logs", async () => {
    const html = file("index.html", "<h1>Hello ✓</h1>");
    const logo = file("img/logo.bin", binary(200)); // small binary: inline, base64
    const big = file("assets/big.bin", binary(4096, 7)); // over inlineMaxBytes: uploaded by SHA
    const { deployment, target } = await client.createDeployment({
      name: "My App",
      environment: "production",
      files: [html, logo, big],
    });

    expect(target).toMatchObject({ provider: "vercel", projectName: "my-app" });
    expect(target.provider === "vercel" && target.projectId).toMatch(/^prj_/);
    expect(deployment).toMatchObject({ state: "queued", rawState: "QUEUED" });
    expect(deployment.url).toMatch(/^https:\/\/my-app-.*\.vercel\.app$/);

    // Exactly one upload, for the large file, addressed by its SHA-1.
    const uploads = fake.requests.filter((r) => r.path.startsWith("/v2/files"));
    expect(uploads).toHaveLength(1);
    expect(uploads[0].headers["x-vercel-digest"]).toBe(sha1(big.bytes));
    expect(uploads[0].headers["content-length"]).toBe("4096");
    // Every call carries the team.
    expect(fake.requests.every((r) => new URL(r.path, "http://x").searchParams.get("teamId") === "team_abc")).toBe(
      true,
    );

    const create = JSON.parse(fake.requests.find((r) => r.path.startsWith("/v13/deployments"))!.body);
    expect(create).toMatchObject({
      name: "my-app",
      project: target.provider === "vercel" && target.projectId,
      target: "production",
    });
    expect(create.files).toEqual([
      { file: "index.html", data: "<h1>Hello ✓</h1>", encoding: "utf-8" },
      { file: "img/logo.bin", data: Buffer.from(logo.bytes).toString("base64"), encoding: "base64" },
      { file: "assets/big.bin", sha: sha1(big.bytes), size: 4096 },
    ]);
    // The provider holds the exact bytes.
    const held = fake.deployment(deployment.id)!.files;
    for (const f of [html, logo, big]) expect(Buffer.compare(held.get(f.path)!, Buffer.from(f.bytes))).toBe(0);

    clock.advance(5_000);
    expect((await client.getDeployment(deployment.id)).state).toBe("building");
    const early = await client.getLogs(deployment.id);
    expect(early.map((l) => l.text)).toEqual(["Build queued", "Installing dependencies"]);

    clock.advance(30_000);
    const done = await client.getDeployment(deployment.id);
    expect(done).toMatchObject({ state: "ready", rawState: "READY", url: deployment.url });
    const rest = await client.getLogs(deployment.id, early[early.length - 1].id);
    expect(rest.map((l) => l.text)).toEqual([
      'Running "npm run build"',
      "warning: bundle is larger than 500 kB",
      "Build completed; deploying outputs",
      "Starting container",
      "Deployment ready",
    ]);
    expect(new Set([...early, ...rest].map((l) => l.id)).size).toBe(7);

    // A redeploy to the kept target lands in the same project.
    const again = await client.createDeployment({ target, name: "ignored", environment: "preview", files: [html] });
    expect(again.target).toEqual(target);
    expect(fake.projects()).toHaveLength(1);
    const second = JSON.parse(fake.requests.filter((r) => r.path.startsWith("/v13/deployments")).at(-1)!.body);
    expect(second.project).toBe(target.provider === "vercel" ? target.projectId : "");
    expect(second.target).toBeUndefined(); // preview
  });

  test("a project name Vercel already knows is never joined: our project is created beside it", async () => {
    // Someone else's deployment under the very name we will ask for.
    const theirs = await client.createDeployment({
      name: "Shared Name",
      environment: "production",
      files: [file("a.txt", "theirs")],
    });
    const ours = await client.createDeployment({
      name: "Shared Name",
      environment: "production",
      files: [file("a.txt", "ours")],
    });
    const idOf = (t: typeof ours.target) => (t.provider === "vercel" ? t.projectId : undefined);
    expect(idOf(ours.target)).toMatch(/^prj_/);
    expect(idOf(ours.target)).not.toBe(idOf(theirs.target));
    expect(ours.target).toMatchObject({ projectName: expect.stringMatching(/^shared-name-[0-9a-f]{6}$/) });
    expect(fake.deployment(ours.deployment.id)!.projectId).toBe(idOf(ours.target));
    expect(fake.requests.filter((r) => r.path.startsWith("/v11/projects")).map((r) => JSON.parse(r.body).name)).toEqual(
      ["shared-name", "shared-name", ours.target.provider === "vercel" && ours.target.projectName],
    );
  });

  test("a file over the default 256 KiB threshold is uploaded, not inlined", async () => {
    const defaults = providerClient("vercel", { token: fake.token, baseUrl: fake.baseUrl });
    const big = file("video.bin", binary(300 * 1024, 3));
    const small = file("a.txt", "a");
    const { deployment } = await defaults.createDeployment({
      name: "defaults",
      environment: "preview",
      files: [big, small],
    });
    expect(fake.requests.filter((r) => r.path.startsWith("/v2/files"))).toHaveLength(1);
    expect(Buffer.compare(fake.deployment(deployment.id)!.files.get("video.bin")!, Buffer.from(big.bytes))).toBe(0);
  });

  test("an upload Vercel lost is sent again when the create call names it missing", async () => {
    fake.loseUploads(1);
    const big = file("big.bin", binary(2048, 9));
    const { deployment } = await client.createDeployment({ name: "lost", environment: "preview", files: [big] });
    expect(fake.requests.filter((r) => r.path.startsWith("/v2/files"))).toHaveLength(2);
    expect(fake.requests.filter((r) => r.path.startsWith("/v13/deployments"))).toHaveLength(2);
    expect(fake.deployment(deployment.id)!.files.get("big.bin")!.length).toBe(2048);
  });

  test("large files are uploaded as they are read, not all read first and held until the end", async () => {
    const uploadsSoFar = () => fake.requests.filter((r) => r.path.startsWith("/v2/files")).length;
    const seenAtRead: number[] = [];
    const bigs = Array.from({ length: 8 }, (_, i) => {
      const f = file(`media/${i}.bin`, binary(2048, 100 + i));
      const read = f.read;
      f.read = () => (seenAtRead.push(uploadsSoFar()), read());
      return f;
    });
    const { deployment } = await client.createDeployment({ name: "media", environment: "preview", files: bigs });
    expect(uploadsSoFar()).toBe(8);
    // A few at a time: by the last read, earlier uploads are done (their bytes released).
    expect(seenAtRead.at(-1)).toBeGreaterThan(0);
    expect(bigs.map((f) => f.reads)).toEqual(Array(8).fill(1));
    expect(fake.deployment(deployment.id)!.files.size).toBe(8);
  });

  test("a failing build ends in error with Vercel's message", async () => {
    fake.failBuilds(1);
    const { deployment } = await client.createDeployment({
      name: "broken",
      environment: "preview",
      files: [file("x.js", "x")],
    });
    clock.advance(30_000);
    const d = await client.getDeployment(deployment.id);
    expect(d).toMatchObject({
      state: "error",
      rawState: "ERROR",
      errorMessage: 'Command "npm run build" exited with 1',
    });
    const logs = await client.getLogs(deployment.id);
    expect(logs.at(-1)).toMatchObject({ level: "error", text: 'Error: Command "npm run build" exited with 1' });
  });

  test("cancel while building ends canceled; cancelling a finished deployment is refused", async () => {
    const { deployment } = await client.createDeployment({
      name: "cancel-me",
      environment: "preview",
      files: [file("x.js", "x")],
    });
    clock.advance(10_000);
    await client.cancelDeployment(deployment.id);
    expect((await client.getDeployment(deployment.id)).state).toBe("canceled");
    expect((await client.getLogs(deployment.id)).at(-1)?.text).toBe("Build canceled");

    const err = await providerError(client.cancelDeployment(deployment.id));
    expect(err).toMatchObject({
      provider: "vercel",
      status: 400,
      transient: false,
      message: "Cannot cancel a deployment that is CANCELED",
    });
  });

  test("a wrong token is a permanent error with Vercel's message", async () => {
    const bad = providerClient("vercel", { token: "nope", baseUrl: fake.baseUrl });
    const err = await providerError(bad.getDeployment("dpl_x"));
    expect(err).toMatchObject({ status: 403, transient: false, message: "Not authorized" });
  });
});
