// What users read when a provider answers something we cannot use: a token no HTTP header
// can carry is refused at connect (and, stored earlier, ends a deploy at once), and a
// malformed answer is "not understood", retried, and never shows our JavaScript errors.
import { captureConsole } from "../console";
import { describe, expect, test } from "vitest";
import { open, seal, tokenKey } from "../../convex/lib/crypto";
import { tokenAad } from "../../convex/providerTokens";
import { userRow } from "../convexTest";
import { api, deployStackForFile, expectCode, logLines, providerCalls, row, userWithProject } from "./helpers";

const stack = deployStackForFile();
/** Text of ours that must never reach a user's log. */
const LEAK = /TypeError|Cannot read properties|is not a function|\bat .*\.ts:\d+|undefined|null/;

describe("tokens an HTTP header cannot carry", () => {
  test("connect refuses them with INVALID and writes nothing", async () => {
    const { as } = await userWithProject(stack, "user_token_chars");
    for (const token of [
      "vercel-\u0100-token-1234",
      "vercel-\u007f-token-1234",
      "vercel-\u00e9-token-1234",
      "vercel-\u0000-token-1234",
    ]) {
      await expectCode(as.mutation(api.providerTokens.connect, { provider: "vercel", token }), "INVALID");
    }
    expect(await as.query(api.providerTokens.list, {})).toEqual([]);
  });

  test("one stored before connect refused it ends the deployment at once (permanent), sending nothing", async () => {
    const { as, projectId } = await userWithProject(stack, "user_token_del");
    const user = (await userRow(stack.t, "user_token_del"))!;
    const token = "vercel-\u007f-token-1234";
    const sealed = await seal(await tokenKey(), token, tokenAad(user._id, "vercel"));
    expect(await open(await tokenKey(), sealed, tokenAad(user._id, "vercel"))).toBe(token);
    await stack.t.run(async (ctx) => {
      await ctx.db.insert("providerTokens", {
        userId: user._id,
        provider: "vercel",
        ...sealed,
        hint: "1234",
        createdAt: 0,
        updatedAt: 0,
      });
    });
    const since = stack.fakes.vercel.requests.length;
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    await stack.advance(30_000);
    const d = await row(stack, id);
    expect(d).toMatchObject({ status: "error", attempts: 1, error: { code: "PROVIDER_NOT_CONFIGURED" } });
    expect(d.error!.message).toBe("Your Vercel token holds characters an HTTP header cannot carry; connect it again");
    expect(providerCalls(stack, "vercel", since)).toEqual([]);
  });
});

describe("answers we cannot read", () => {
  test("a Vercel status check answering 200 with an empty body is retried, and the log says only that", async () => {
    const { as, projectId } = await userWithProject(stack, "user_vercel_empty");
    stack.fakes.vercel.answer("", { times: 2, match: /^GET \/v13\/deployments\// });
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    await stack.advance(120_000);
    const d = await row(stack, id);
    expect(d.status).toBe("ready");
    const lines = await logLines(stack, id);
    expect(lines.filter((l) => l.startsWith("Status check failed"))).toEqual(
      Array(2).fill("Status check failed (will retry): Vercel's answer to the status check was not understood"),
    );
    for (const l of lines) expect(l).not.toMatch(LEAK);
  });

  test("a Netlify deploy with `required` as a string is retried as transient, not rejected", async () => {
    const logged = captureConsole("error"); // the workpool logs the failed attempt, as Convex's logs would
    const { as, projectId } = await userWithProject(stack, "user_netlify_required");
    stack.fakes.netlify.answer('{"id":"dep_bad","state":"prepared","required":"abc"}', {
      match: /^POST \/api\/v1\/sites\/[^/]+\/deploys$/,
    });
    const id = await as.mutation(api.deployments.request, { projectId, provider: "netlify", environment: "preview" });
    await stack.advance(120_000);
    const d = await row(stack, id);
    expect(d).toMatchObject({ status: "ready", attempts: 2 });
    const lines = await logLines(stack, id);
    expect(lines).toContain("Attempt 1 failed: Netlify's answer to the deploy was not understood — retrying");
    for (const l of lines) expect(l).not.toMatch(LEAK);
    expect(logged.messages().join("\n")).toContain("Netlify's answer to the deploy was not understood");
  });
});
