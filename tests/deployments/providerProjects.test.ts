// Where a project deploys at the provider is ours alone: names are unique per AUTOCREA
// project, and a provider project/site that merely carries our name is never used.
import { describe, expect, test } from "vitest";
import { providerProjectName } from "../../convex/deploymentJobs";
import { providerClientFromEnv } from "../../convex/providers/index";
import { api, deployStackForFile, row, userWithProject } from "./helpers";

const stack = deployStackForFile();

describe("provider project names", () => {
  test("two projects whose ids end alike still get different names", async () => {
    const a = await providerProjectName("Shop", "k57a1b2c3d4e5f6g7h8j9000xyz123");
    const b = await providerProjectName("Shop", "m99z8y7x6w5v4u3t2s1r0000xyz123");
    expect(a).toMatch(/^autocrea-shop-[0-9a-f]{12}$/);
    expect(b).toMatch(/^autocrea-shop-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    // Netlify site names stop at 50 characters: a long project name keeps the whole hash.
    const long = await providerProjectName("A".repeat(200), "k57a1b2c3d4e5f6g7h8j9000xyz123");
    expect(long.length).toBeLessThanOrEqual(50);
    expect(long.slice(-12)).toBe(a.slice(-12));
  });

  test("a Vercel project that only carries our name is never joined", async () => {
    const { as, projectId } = await userWithProject(stack, "user_vercel_squat");
    const name = await providerProjectName("Shop of user_vercel_squat", projectId);
    // Someone else (another team member's script, an older deploy) holds that name at Vercel.
    const squatter = await providerClientFromEnv("vercel", process.env).createDeployment({
      name,
      environment: "production",
      files: [{ path: "index.html", sha256: "", size: 6, read: async () => new TextEncoder().encode("theirs") }],
    });
    const theirs = squatter.target.provider === "vercel" ? squatter.target.projectId : undefined;
    expect(theirs).toMatch(/^prj_/);

    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "production" });
    await stack.advance(60_000);
    const d = await row(stack, id);
    expect(d.status).toBe("ready");
    const ours = stack.fakes.vercel.deployment(d.providerDeploymentId!)!.projectId;
    expect(ours).not.toBe(theirs);
    const refs = (await stack.t.run(async (ctx) => await ctx.db.get("projects", projectId)))!.providerRefs!;
    expect(refs.vercel!.projectId).toBe(ours);
    expect(stack.fakes.vercel.deployments().filter((x) => x.projectId === theirs)).toHaveLength(1); // only the squatter's
  });

  test("a Netlify site that only carries our name is never used; Railway always gets its own project", async () => {
    const { as, projectId } = await userWithProject(stack, "user_netlify_squat");
    const name = await providerProjectName("Shop of user_netlify_squat", projectId);
    const squatted = await providerClientFromEnv("netlify", process.env).ensureTarget!({
      name,
      environment: "production",
    });
    expect(squatted).toMatchObject({ siteName: name });

    for (const provider of ["netlify", "railway"] as const) {
      const id = await as.mutation(api.deployments.request, { projectId, provider, environment: "production" });
      await stack.advance(60_000);
      expect((await row(stack, id)).status).toBe("ready");
    }
    const refs = (await stack.t.run(async (ctx) => await ctx.db.get("projects", projectId)))!.providerRefs!;
    expect(refs.netlify!.siteId).not.toBe(squatted.provider === "netlify" && squatted.siteId);
    expect(refs.netlify!.siteName).toMatch(new RegExp(`^${name.slice(0, 43)}-[0-9a-f]{6}$`));

    // A second AUTOCREA project with the same name deploys to its own Railway project and service.
    const other = await userWithProject(stack, "user_netlify_squat_2");
    await stack.t.run(
      async (ctx) => await ctx.db.patch("projects", other.projectId, { name: "Shop of user_netlify_squat" }),
    );
    const id2 = await other.as.mutation(api.deployments.request, {
      projectId: other.projectId,
      provider: "railway",
      environment: "production",
    });
    await stack.advance(60_000);
    expect((await row(stack, id2)).status).toBe("ready");
    const refs2 = (await stack.t.run(async (ctx) => await ctx.db.get("projects", other.projectId)))!.providerRefs!;
    expect(refs2.railway!.projectId).not.toBe(refs.railway!.projectId);
    expect(refs2.railway!.serviceId).not.toBe(refs.railway!.serviceId);
  });
});
