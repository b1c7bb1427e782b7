// Authorization of every public AI function: another user (and a project viewer, where a
// project is involved) is refused or sees nothing, and nothing changes.
import { ConvexError } from "convex/values";
import { beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import * as ai from "../../convex/ai";
import * as aiRequests from "../../convex/aiRequests";
import * as conversationAnalysis from "../../convex/conversationAnalysis";
import * as conversations from "../../convex/conversations";
import * as usage from "../../convex/usage";
import type { Id } from "../../convex/_generated/dataModel";
import { settleCompletions } from "../../edge/ai/run";
import { stackForFile } from "../stackForFile";
import { markEmailVerified } from "../convex/helpers";
import { aiCall, allRequests, seamCall, sse, today, userIdOf } from "./helpers";

const stack = stackForFile();
let owner: string;
let other: string;
let viewer: string;
let projectId: Id<"projects">;
let conversationId: Id<"conversations">;
let requestId: Id<"aiRequests">;
const page = { numItems: 10, cursor: null };

async function expectCode(p: Promise<unknown>, code: string) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(ConvexError);
  expect((err as ConvexError<any>).data.code).toBe(code);
}

beforeAll(async () => {
  owner = await stack.signIn({ id: "user_authz_owner" });
  other = await stack.signIn({ id: "user_authz_other" });
  viewer = await stack.signIn({ id: "user_authz_viewer" });
  projectId = await stack.convex(owner).mutation(api.projects.create, { name: "Shop", framework: "react" });
  const viewerId = await userIdOf(stack, "user_authz_viewer");
  const ownerId = await userIdOf(stack, "user_authz_owner");
  await stack.t.run(async (ctx) => {
    await ctx.db.insert("projectMembers", {
      projectId,
      userId: viewerId,
      role: "viewer",
      addedAt: 0,
      addedBy: ownerId,
      active: true,
      projectUpdatedAt: 0,
    });
  });
  const { events } = await sse(stack, owner, "chat", { message: "Hello", projectId });
  conversationId = events.at(-1)!.data.conversationId;
  requestId = events.at(-1)!.data.requestId;
  await settleCompletions();
});

describe("aiRequests", () => {
  test("list: the owner sees their history; another user sees none of it", async () => {
    const mine = await stack.convex(owner).query(api.aiRequests.list, { paginationOpts: page });
    expect(mine.page.map((r: any) => r.id)).toEqual([requestId]);
    expect(mine.page[0].response).toBeUndefined(); // lists stay small; get() has the answer
    const theirs = await stack.convex(other).query(api.aiRequests.list, { paginationOpts: page });
    expect(theirs.page).toEqual([]);
  });

  test("list by project: NOT_FOUND for a non-member; a viewer sees only their own requests", async () => {
    const inProject = await stack.convex(owner).query(api.aiRequests.list, { projectId, paginationOpts: page });
    expect(inProject.page).toHaveLength(1);
    await expectCode(stack.convex(other).query(api.aiRequests.list, { projectId, paginationOpts: page }), "NOT_FOUND");
    expect((await stack.convex(viewer).query(api.aiRequests.list, { projectId, paginationOpts: page })).page).toEqual(
      [],
    );
  });

  test("get: the owner reads it with the answer; anyone else gets NOT_FOUND", async () => {
    const row = await stack.convex(owner).query(api.aiRequests.get, { requestId });
    expect(row).toMatchObject({ id: requestId, type: "chat", status: "completed" });
    expect(row.response).toBeTruthy();
    await expectCode(stack.convex(other).query(api.aiRequests.get, { requestId }), "NOT_FOUND");
    await expectCode(stack.convex(viewer).query(api.aiRequests.get, { requestId }), "NOT_FOUND");
  });

  test("unauthenticated calls are refused", async () => {
    await expectCode(stack.t.query(api.aiRequests.list, { paginationOpts: page }), "UNAUTHENTICATED");
    await expectCode(stack.t.query(api.aiRequests.get, { requestId }), "UNAUTHENTICATED");
  });
});

describe("AI requests in a project (through the edge)", () => {
  test("a viewer may chat about the project but not generate code into it; a non-member gets NOT_FOUND", async () => {
    let res = await aiCall(stack, viewer, "generate", { prompt: "x", projectId });
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe("FORBIDDEN");
    res = await aiCall(stack, other, "generate", { prompt: "x", projectId });
    expect(res.status).toBe(404);
    res = await aiCall(stack, other, "chat", { message: "x", projectId });
    expect(res.status).toBe(404);
    res = await aiCall(stack, viewer, "chat", { message: "What does this project do?", projectId });
    expect(res.status).toBe(200);
    const viewerId = await userIdOf(stack, "user_authz_viewer");
    const rows = await stack.t.run(async (ctx) =>
      ctx.db
        .query("aiRequests")
        .withIndex("by_userId", (q) => q.eq("userId", viewerId))
        .collect(),
    );
    expect(rows.map((r) => r.type)).toEqual(["chat"]);
    // The project's name and framework went to Claude as cached context.
    expect(stack.fakes.anthropic.bodies().at(-1)!.system[1]).toMatchObject({
      text: expect.stringContaining("Project: Shop (react)"),
      cache_control: { type: "ephemeral" },
    });
  });
});

describe("conversations", () => {
  test("list: only the caller's threads", async () => {
    const mine = await stack.convex(owner).query(api.conversations.list, { paginationOpts: page });
    expect(mine.page.map((c: any) => c.id)).toEqual([conversationId]);
    expect(mine.page[0]).toMatchObject({ title: "Hello", messageCount: 2, projectId });
    expect((await stack.convex(other).query(api.conversations.list, { paginationOpts: page })).page).toEqual([]);
  });

  test("get and messages: NOT_FOUND for anyone but the owner", async () => {
    expect(await stack.convex(owner).query(api.conversations.get, { conversationId })).toMatchObject({
      id: conversationId,
    });
    const msgs = await stack.convex(owner).query(api.conversations.messages, { conversationId, paginationOpts: page });
    expect(msgs.page.map((m: any) => m.role)).toEqual(["assistant", "user"]); // newest first
    for (const who of [other, viewer]) {
      await expectCode(stack.convex(who).query(api.conversations.get, { conversationId }), "NOT_FOUND");
      await expectCode(
        stack.convex(who).query(api.conversations.messages, { conversationId, paginationOpts: page }),
        "NOT_FOUND",
      );
    }
  });

  test("rename: the owner renames (bad titles refused); others get NOT_FOUND and nothing changes", async () => {
    await stack.convex(owner).mutation(api.conversations.rename, { conversationId, title: "  Greeting   thread " });
    expect((await stack.convex(owner).query(api.conversations.get, { conversationId })).title).toBe("Greeting thread");
    await expectCode(
      stack.convex(owner).mutation(api.conversations.rename, { conversationId, title: "   " }),
      "INVALID",
    );
    await expectCode(
      stack.convex(owner).mutation(api.conversations.rename, { conversationId, title: "x".repeat(121) }),
      "INVALID",
    );
    await expectCode(
      stack.convex(other).mutation(api.conversations.rename, { conversationId, title: "Mine now" }),
      "NOT_FOUND",
    );
    await expectCode(
      stack.convex(viewer).mutation(api.conversations.rename, { conversationId, title: "Mine now" }),
      "NOT_FOUND",
    );
    expect((await stack.convex(owner).query(api.conversations.get, { conversationId })).title).toBe("Greeting thread");
  });

  test("remove: others get NOT_FOUND; the owner deletes the thread and its messages, the ledger stays", async () => {
    await expectCode(stack.convex(other).mutation(api.conversations.remove, { conversationId }), "NOT_FOUND");
    await expectCode(stack.convex(viewer).mutation(api.conversations.remove, { conversationId }), "NOT_FOUND");
    expect(await stack.convex(owner).query(api.conversations.get, { conversationId })).toBeTruthy();

    const { events } = await sse(stack, owner, "chat", { message: "Throwaway" });
    const doomed = events.at(-1)!.data.conversationId as Id<"conversations">;
    await stack.convex(owner).mutation(api.conversations.remove, { conversationId: doomed });
    await stack.advance(0);
    await expectCode(stack.convex(owner).query(api.conversations.get, { conversationId: doomed }), "NOT_FOUND");
    const left = await stack.t.run(async (ctx) =>
      ctx.db
        .query("messages")
        .withIndex("by_conversationId", (q) => q.eq("conversationId", doomed))
        .collect(),
    );
    expect(left).toEqual([]);
    expect(
      await stack.convex(owner).query(api.aiRequests.get, { requestId: events.at(-1)!.data.requestId }),
    ).toBeTruthy();
    // Chatting into a deleted thread is NOT_FOUND.
    const res = await aiCall(stack, owner, "chat", { conversationId: doomed, message: "still there?" });
    expect(res.status).toBe(404);
  });

  test("unauthenticated calls are refused", async () => {
    await expectCode(stack.t.query(api.conversations.list, { paginationOpts: page }), "UNAUTHENTICATED");
    await expectCode(stack.t.mutation(api.conversations.rename, { conversationId, title: "x" }), "UNAUTHENTICATED");
    await expectCode(stack.t.mutation(api.conversations.remove, { conversationId }), "UNAUTHENTICATED");
  });
});

describe("usage", () => {
  test("stats and daily: each user sees only their own usage", async () => {
    await settleCompletions();
    const day = today(stack);
    const mine = await stack.convex(owner).query(api.usage.stats, { from: day, to: day });
    expect(mine.totalRequests).toBeGreaterThan(0);
    expect(mine.byType.chat).toBe(mine.totalRequests);
    expect(mine.averageTokensPerRequest).toBe(Math.round(mine.totalTokens / mine.totalRequests));
    const theirs = await stack.convex(other).query(api.usage.stats, { from: day, to: day });
    expect(theirs).toMatchObject({ totalRequests: 0, totalTokens: 0, costMicros: 0, byType: {} });
    expect(await stack.convex(owner).query(api.usage.daily, { from: day, to: day })).toHaveLength(1);
    expect(await stack.convex(other).query(api.usage.daily, { from: day, to: day })).toEqual([]);
  });

  test("bad ranges are INVALID", async () => {
    await expectCode(stack.convex(owner).query(api.usage.stats, { from: "2026-13-01", to: "2026-13-02" }), "INVALID");
    await expectCode(stack.convex(owner).query(api.usage.stats, { from: "2026-02-02", to: "2026-02-01" }), "INVALID");
    await expectCode(stack.convex(owner).query(api.usage.daily, { from: "2020-01-01", to: "2026-01-01" }), "INVALID");
  });

  test("global: administrators only; it sums every user", async () => {
    const day = today(stack);
    await expectCode(stack.convex(owner).query(api.usage.global, { from: day, to: day }), "FORBIDDEN");
    await expectCode(stack.t.query(api.usage.global, { from: day, to: day }), "UNAUTHENTICATED");
    const admin = await stack.signIn({ id: "user_authz_admin", role: "admin" });
    const all = await stack.convex(admin).query(api.usage.global, { from: day, to: day });
    const perUser = await stack.t.run(async (ctx) => ctx.db.query("usageDaily").collect());
    expect(all.totalRequests).toBe(perUser.reduce((n, r) => n + r.requests, 0));
    expect(all.costMicros).toBe(perUser.reduce((n, r) => n + r.costMicros, 0));
  });
});

describe("lost access and deleted accounts", () => {
  test("a member removed from a project cannot continue its thread by naming another project", async () => {
    const member = await stack.signIn({ id: "user_authz_member", email: "member@example.com" });
    await markEmailVerified(stack.t, "user_authz_member");
    const invitationId = await stack
      .convex(owner)
      .mutation(api.invitations.create, { projectId, email: "member@example.com", role: "editor" });
    await stack.convex(member).mutation(api.invitations.accept, { invitationId });
    const { events } = await sse(stack, member, "chat", { message: "Show me the checkout code", projectId });
    const thread = events.at(-1)!.data.conversationId as Id<"conversations">;
    await settleCompletions();
    const memberId = await userIdOf(stack, "user_authz_member");
    await stack.convex(owner).mutation(api.projects.removeMember, { projectId, userId: memberId });
    const ownProject = await stack.convex(member).mutation(api.projects.create, { name: "Mine", framework: "static" });
    const before = await allRequests(stack);

    let res = await aiCall(stack, member, "chat", { conversationId: thread, message: "and the rest?" });
    expect(res.status).toBe(404); // the thread's own project is checked
    res = await aiCall(stack, member, "chat", {
      conversationId: thread,
      projectId: ownProject,
      message: "and the rest?",
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("INVALID");
    expect(await allRequests(stack)).toEqual(before);
    expect((await stack.convex(member).query(api.conversations.get, { conversationId: thread })).messageCount).toBe(2);
  });

  test("a deleted user's edge reads are refused like their browser reads", async () => {
    await stack.signIn({ id: "user_authz_gone" });
    const goneId = await userIdOf(stack, "user_authz_gone");
    await stack.t.run(async (ctx) => ctx.db.patch("users", goneId, { deletedAt: stack.now() }));
    const day = today(stack);
    for (const [path, body] of [
      ["/edge/ai/models", {}],
      ["/edge/ai/usage", { from: day, to: day }],
    ] as const) {
      const res = await seamCall(stack, path, "user_authz_gone", body);
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe("FORBIDDEN");
    }
  });
});

test("a browser can write nothing that bills: the only public mutations rename and delete a thread", () => {
  const modules = { ai, aiRequests, conversationAnalysis, conversations, usage };
  const exposed: string[] = [];
  for (const [name, mod] of Object.entries(modules)) {
    for (const [fn, f] of Object.entries(mod as Record<string, any>)) {
      if (f?.isPublic) exposed.push(`${name}.${fn} ${f.isQuery ? "query" : f.isMutation ? "mutation" : "action"}`);
    }
  }
  expect(exposed.sort()).toEqual([
    "aiRequests.get query",
    "aiRequests.list query",
    "conversations.get query",
    "conversations.list query",
    "conversations.messages query",
    "conversations.remove mutation",
    "conversations.rename mutation",
    "usage.daily query",
    "usage.global query",
    "usage.stats query",
  ]);
});
