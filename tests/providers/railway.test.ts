import { gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { gzip, gzipStored, tar } from "../../convex/providers/tarball";
import type { ProviderTarget } from "../../convex/providers/types";
import { rootFields, startRailwayFake, untar } from "../fakes/railway";
import { binary, file, fakeWithClient, providerError } from "./helpers";

const { clock, fake, client } = await fakeWithClient(startRailwayFake, "railway", { teamId: "ws_123" });

const gqlOps = () =>
  fake.requests
    .filter((r) => r.path === "/graphql/v2")
    .map((r) =>
      rootFields(JSON.parse(r.body).query)
        .map((f) => f.name)
        .join("+"),
    );

describe("Railway client against the fake", () => {
  let target: ProviderTarget;

  test("creates project, service and domain, uploads a tarball, reaches ready, reads logs", async () => {
    const fs = [
      file("package.json", '{"name":"app"}'),
      file("src/server.js", "require('http')"),
      file("public/x.bin", binary(70_000, 2)),
    ];
    const { deployment, target: t } = await client.createDeployment({
      name: "my-api",
      environment: "production",
      files: fs,
    });
    target = t;
    expect(gqlOps()).toEqual(["projectCreate", "serviceCreate", "serviceDomainCreate"]);
    const [project] = fake.projects();
    expect(project).toMatchObject({ name: "my-api", workspaceId: "ws_123" });
    expect(target).toEqual({
      provider: "railway",
      projectId: project.id,
      serviceId: fake.services()[0].id,
      environmentId: project.environments[0].id,
    });

    const up = fake.requests.find((r) => r.path.includes("/up?"))!;
    expect(up.path).toBe(
      `/project/${project.id}/environment/${project.environments[0].id}/up?serviceId=${fake.services()[0].id}`,
    );
    expect(up.headers["content-type"]).toBe("application/gzip");
    expect(up.headers.authorization).toBe(`Bearer ${fake.token}`);
    const held = fake.deployment(deployment.id)!.files;
    expect([...held.keys()]).toEqual(fs.map((f) => f.path));
    for (const f of fs) expect(Buffer.compare(held.get(f.path)!, Buffer.from(f.bytes))).toBe(0);

    expect(deployment).toMatchObject({ state: "queued", url: `https://${fake.services()[0].domain}` });
    expect(await client.getDeployment(deployment.id)).toMatchObject({ state: "queued", rawState: "INITIALIZING" });
    clock.advance(5_000);
    expect(await client.getDeployment(deployment.id)).toMatchObject({ state: "building", rawState: "BUILDING" });
    const early = await client.getLogs(deployment.id);
    expect(early.map((l) => l.text)).toEqual(["Build queued", "Installing dependencies"]);
    clock.advance(20_000);
    expect(await client.getDeployment(deployment.id)).toMatchObject({ state: "deploying", rawState: "DEPLOYING" });
    clock.advance(10_000);
    expect(await client.getDeployment(deployment.id)).toMatchObject({
      state: "ready",
      rawState: "SUCCESS",
      url: deployment.url,
    });

    const rest = await client.getLogs(deployment.id, early.at(-1)!.id);
    expect(rest.map((l) => [l.level, l.text])).toEqual([
      ["info", 'Running "npm run build"'],
      ["warn", "warning: bundle is larger than 500 kB"],
      ["info", "Build completed; deploying outputs"],
      ["info", "Starting container"],
      ["info", "Deployment ready"],
    ]);
    // The follow-up asked only from the last line's instant on.
    const logsCall = JSON.parse(fake.requests.filter((r) => r.path === "/graphql/v2").at(-1)!.body);
    expect(logsCall.variables.startDate).toBe(new Date(early.at(-1)!.at).toISOString());
    expect(await client.getLogs(deployment.id, rest.at(-1)!.id)).toEqual([]);
  });

  test("a redeploy to the kept target creates nothing new", async () => {
    fake.requests.length = 0;
    await client.createDeployment({ target, name: "other", environment: "production", files: [file("a.txt", "a")] });
    expect(gqlOps()).toEqual([]);
    expect(fake.projects()).toHaveLength(1);
    expect(fake.deployments()).toHaveLength(2);
  });

  test("cancel ends canceled (REMOVED); a failing build ends in error", async () => {
    const { deployment } = await client.createDeployment({
      target,
      name: "x",
      environment: "production",
      files: [file("a.txt", "b")],
    });
    clock.advance(5_000);
    await client.cancelDeployment(deployment.id);
    expect(await client.getDeployment(deployment.id)).toMatchObject({ state: "canceled", rawState: "REMOVED" });

    const err = await providerError(client.cancelDeployment(deployment.id));
    expect(err).toMatchObject({ transient: false, message: "Deployment cannot be cancelled in its current state" });

    fake.failBuilds(1);
    const failing = await client.createDeployment({
      target,
      name: "x",
      environment: "production",
      files: [file("a.txt", "c")],
    });
    clock.advance(30_000);
    expect(await client.getDeployment(failing.deployment.id)).toMatchObject({ state: "error", rawState: "FAILED" });
    expect((await client.getLogs(failing.deployment.id)).at(-1)).toMatchObject({
      level: "error",
      text: `Error: ${fake.buildFailureMessage}`,
    });
  });

  test("an upload Railway refuses is a permanent error with its message", async () => {
    const bad: ProviderTarget = { provider: "railway", projectId: "nope", serviceId: "nope", environmentId: "nope" };
    const err = await providerError(
      client.createDeployment({ target: bad, name: "x", environment: "production", files: [file("a", "a")] }),
    );
    expect(err).toMatchObject({ status: 400, transient: false, message: "Project or environment not found" });
  });
});

describe("tarball", () => {
  const entries = [
    { path: "a.txt", bytes: new TextEncoder().encode("hello") },
    { path: `${"dir/".repeat(30)}deep.txt`, bytes: new TextEncoder().encode("ustar prefix") }, // > 100 bytes, splits
    { path: `${"x".repeat(120)}/${"y".repeat(120)}/z.txt`, bytes: binary(1500) }, // needs a PAX header
    { path: "empty", bytes: new Uint8Array(0) },
  ];

  test("stored gzip round-trips through zlib, long paths included", () => {
    const out = untar(gunzipSync(gzipStored(tar(entries))));
    expect([...out.keys()]).toEqual(entries.map((e) => e.path));
    for (const e of entries) expect(Buffer.compare(out.get(e.path)!, Buffer.from(e.bytes))).toBe(0);
  });

  test("stored gzip spans several deflate blocks", () => {
    const big = binary(200_000, 4);
    expect(Buffer.compare(gunzipSync(gzipStored(big)), Buffer.from(big))).toBe(0);
  });

  test("compressed gzip (where CompressionStream exists) decodes to the same archive", async () => {
    const archive = tar(entries);
    expect(Buffer.compare(gunzipSync(await gzip(archive)), Buffer.from(archive))).toBe(0);
    expect(Buffer.compare(gunzipSync(await gzip(archive, { compress: false })), Buffer.from(archive))).toBe(0);
  });
});
