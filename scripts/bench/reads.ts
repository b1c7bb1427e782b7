// Documents read by every public list / stats / quota query at three data sizes, from one
// offline stack in this process (convex-test, in memory). For each size the rows the query
// reads are seeded for a fresh user (or project), then the query is called once as the IDE
// calls it (first page). A query that stays flat reads about its page whatever the size;
// GROWS marks a line whose largest size reads more than the smallest + page × docs each + 10.
// Rows go straight into convex-test in bulk (scripts/benchReadsSeed.ts); rollups and counters
// through the product's own helpers (applyUsage, statsInsert). files.list / read / snapshot:
// the foundation section. Documents read: scripts/benchReads.ts.
import { randomBytes } from "node:crypto";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { startStack, type Stack } from "../../tests/stack";
import { documentsRead } from "../benchReads";
import {
  caller,
  first,
  group,
  insertMany,
  PAGE,
  seedUsers,
  type Caller,
  type Group,
  type Query,
} from "../benchReadsSeed";
import { more } from "../benchReadsMore";
import { account } from "../benchReadsAccount";

const SIZES = [10, 1_000, 10_000];
type Thread = Caller & { conversationId: Id<"conversations"> };

const line = (q: Query<unknown>, docs: number[], at: number[]) => {
  const perItem = q.perItem ?? 1;
  const grows = docs.at(-1)! > docs[0] + q.page * perItem + 10;
  const unit = q.unit ?? "page";
  const bound = unit === "none" ? "" : `, ${unit} ${q.page}${perItem > 1 ? `, ${perItem} docs each` : ""}`;
  const label = `${q.fn} (${q.grows}${bound})`;
  const figures = docs.map((d) => String(d).padStart(5)).join(" /");
  const sizes = at.map((s) => s.toLocaleString("en-US")).join(" / ");
  return `  ${label.padEnd(86)} documents read ${figures}  at ${sizes}${grows ? "  GROWS" : ""}`;
};

function groups(stack: Stack, admin: Caller) {
  let n = 0;
  const fresh = (what: string, size: number) => caller(stack, `user_reads_${what}_${size}_${n++}`);
  const now = () => stack.now();

  return [
    group({
      seed: async (size) => {
        const c = await fresh("projects", size);
        const t = now();
        const ids = await insertMany(stack, "projects")(size - 1, (i) => ({
          ownerId: c.userId,
          name: `p${i}`,
          framework: "react",
          fileCount: 0,
          totalBytes: 0,
          createdAt: t,
          updatedAt: t - i,
        }));
        await insertMany(stack, "projectMembers")(ids.length, (i) => ({
          projectId: ids[i],
          userId: c.userId,
          role: "owner",
          addedAt: t,
          addedBy: c.userId,
          active: true,
          projectUpdatedAt: t - i,
        }));
        // Members of the caller's own project, seeded past MAX_MEMBERS (50) to show the bound.
        const users = await seedUsers(stack, c.userId, size, `user_reads_member_${size}`);
        await insertMany(stack, "projectMembers")(size, (i) => ({
          projectId: c.projectId,
          userId: users[i],
          role: "viewer",
          addedAt: t,
          addedBy: c.userId,
          active: true,
          projectUpdatedAt: t,
        }));
        return c;
      },
      queries: [
        {
          fn: "projects.list",
          grows: "the caller's projects",
          page: PAGE,
          perItem: 2,
          call: (c: Caller) => c.as.query(api.projects.list, first()),
        },
        {
          fn: "projects.members",
          grows: "member rows of one project, past the cap",
          page: 50,
          unit: "cap",
          perItem: 2,
          call: (c: Caller) => c.as.query(api.projects.members, { projectId: c.projectId }),
        },
      ],
    }),
    group({
      seed: async (size) => {
        const c = await fresh("history", size);
        const t = now();
        const snaps = await insertMany(stack, "snapshots")(size, (i) => ({
          projectId: c.projectId,
          fileCount: 1,
          totalBytes: 10,
          createdAt: t - size + i,
          createdBy: c.userId,
        }));
        const sets = await insertMany(stack, "changeSets")(size, (i) => ({
          projectId: c.projectId,
          authorId: c.userId,
          status: "applied",
          title: `change ${i}`,
          totals: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 0, turns: 1 },
          fileCount: 1,
          fileDelta: 0,
          byteDelta: 10,
          runOutputTokens: 0,
          runStartTurns: 0,
          versionId: snaps[i],
          createdAt: t - size + i,
          updatedAt: t - size + i,
          appliedAt: t - size + i,
          appliedBy: c.userId,
        }));
        await insertMany(stack, "fileHistory")(size, (i) => ({
          projectId: c.projectId,
          path: "src/App.tsx",
          changeSetId: sets[i],
          versionId: snaps[i],
          op: "modify",
          hash: "0".repeat(64),
          size: 10,
          at: t - size + i,
          by: c.userId,
        }));
        return c;
      },
      queries: [
        {
          fn: "projects.history",
          grows: "versions of one project",
          page: PAGE,
          perItem: 2,
          call: (c: Caller) => c.as.query(api.projects.history, { projectId: c.projectId, ...first() }),
        },
        {
          fn: "changeSets.list",
          grows: "change sets of one project",
          page: PAGE,
          call: (c: Caller) => c.as.query(api.changeSets.list, { projectId: c.projectId, ...first() }),
        },
        {
          fn: "files.history",
          grows: "versions of one file",
          page: PAGE,
          perItem: 2,
          call: (c: Caller) =>
            c.as.query(api.files.history, { projectId: c.projectId, path: "src/App.tsx", ...first() }),
        },
      ],
    }),
    group({
      seed: async (size) => {
        const c: Caller = await fresh("conversations", size);
        const t = now();
        const ids = await insertMany(stack, "conversations")(size, (i) => ({
          userId: c.userId,
          projectId: c.projectId,
          title: `thread ${i}`,
          tags: [],
          messageCount: i === 0 ? size : 0,
          lastMessageAt: t - i,
          createdAt: t - size,
        }));
        await insertMany(stack, "messages")(size, (i) => ({
          conversationId: ids[0],
          role: i % 2 ? "assistant" : "user",
          content: `message ${i}`,
          createdAt: t - size + i,
        }));
        return { ...c, conversationId: ids[0] } satisfies Thread;
      },
      queries: [
        {
          fn: "conversations.list",
          grows: "the caller's threads",
          page: PAGE,
          call: (c: Caller) => c.as.query(api.conversations.list, first()),
        },
        {
          fn: "conversations.messages",
          grows: "messages of one thread",
          page: PAGE,
          call: (c: Thread) => c.as.query(api.conversations.messages, { conversationId: c.conversationId, ...first() }),
        },
      ],
    }),
    ...more(stack, admin, fresh),
    ...account(stack, admin, fresh),
  ];
}

export async function run() {
  process.env.PROVIDER_TOKEN_KEY ??= randomBytes(32).toString("base64");
  const stack = await startStack();
  try {
    const admin = await caller(stack, "user_reads_admin", "admin");
    console.log("documents read by ONE call (auth wrapper and components included), first page, at three sizes of");
    console.log("what grows (each size a fresh user or project; tables all users share report their total).");
    console.log("Flat: about the page, cap or day range (× docs each) whatever the size. GROWS: the largest size");
    console.log("reads more than the smallest + page × docs each + 10. files.list / read / snapshot: foundation.");
    const all = groups(stack, admin);
    // The administrators' group runs first, so admin.users starts from a near-empty users table.
    const lines = new Map<Group<unknown>, string[]>();
    for (const g of [all.at(-1)!, ...all.slice(0, -1)]) {
      const docs = g.queries.map(() => [] as number[]);
      const at = g.queries.map(() => [] as number[]);
      for (const size of SIZES) {
        const c = await g.seed(size);
        for (const [i, q] of g.queries.entries()) {
          docs[i].push((await documentsRead(() => q.call(c))).docs);
          at[i].push(q.at ? q.at(c) : size);
        }
      }
      lines.set(
        g,
        g.queries.map((q, i) => line(q, docs[i], at[i])),
      );
    }
    for (const g of all) for (const l of lines.get(g)!) console.log(l);
  } finally {
    await stack.close();
  }
}
