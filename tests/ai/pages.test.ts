// The AI lists clamp the page size a client asks for: a huge numItems still reads one
// bounded page, and the cursor walks the rest.
import { callerFor } from "../keys";
import { beforeAll, describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { MAX_LIST_PAGE as MAX_REQUESTS } from "../../convex/aiRequests";
import { MAX_LIST_PAGE as MAX_CONVERSATIONS, MAX_MESSAGE_PAGE } from "../../convex/conversations";
import { asUser, newConvexTest } from "../convexTest";

let as: ReturnType<typeof asUser>;
let conversationId: Id<"conversations">;

beforeAll(async () => {
  const t = newConvexTest();
  const { id: userId } = await t.mutation(internal.users.meForEdge, { caller: callerFor("user_pages") });
  conversationId = await t.run(async (ctx) => {
    const ids: Id<"conversations">[] = [];
    for (let i = 0; i <= MAX_CONVERSATIONS; i++) {
      ids.push(
        await ctx.db.insert("conversations", {
          userId,
          title: `T${i}`,
          tags: [],
          messageCount: 0,
          lastMessageAt: i,
          createdAt: i,
        }),
      );
    }
    for (let i = 0; i <= MAX_MESSAGE_PAGE; i++) {
      await ctx.db.insert("messages", { conversationId: ids[0], role: "user", content: `m${i}`, createdAt: i });
    }
    const usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 0 };
    for (let i = 0; i <= MAX_REQUESTS; i++) {
      await ctx.db.insert("aiRequests", {
        userId,
        type: "chat",
        model: "m",
        promptExcerpt: "p",
        status: "completed",
        ...usage,
        startedAt: i,
      });
    }
    return ids[0];
  });
  as = asUser(t, "user_pages");
});

const huge = (cursor: string | null = null) => ({ numItems: 1e9, cursor });

describe("a huge numItems is clamped", () => {
  test("conversations.list", async () => {
    const first = await as.query(api.conversations.list, { paginationOpts: huge() });
    expect(first.page).toHaveLength(MAX_CONVERSATIONS);
    expect(first.isDone).toBe(false);
    expect((await as.query(api.conversations.list, { paginationOpts: huge(first.continueCursor) })).page).toHaveLength(
      1,
    );
    expect(
      (await as.query(api.conversations.list, { paginationOpts: { numItems: 0, cursor: null } })).page,
    ).toHaveLength(1);
  });

  test("conversations.messages", async () => {
    const first = await as.query(api.conversations.messages, { conversationId, paginationOpts: huge() });
    expect(first.page).toHaveLength(MAX_MESSAGE_PAGE);
    expect(
      (await as.query(api.conversations.messages, { conversationId, paginationOpts: huge(first.continueCursor) })).page,
    ).toHaveLength(1);
  });

  test("aiRequests.list", async () => {
    const first = await as.query(api.aiRequests.list, { paginationOpts: huge() });
    expect(first.page).toHaveLength(MAX_REQUESTS);
    expect((await as.query(api.aiRequests.list, { paginationOpts: huge(first.continueCursor) })).page).toHaveLength(1);
  });
});
