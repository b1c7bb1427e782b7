// Seeding for scripts/bench/reads.ts: rows inserted in bulk straight into convex-test
// (`stack.t.run`, up to BATCH inserts per transaction), shaped as convex/schema.ts wants them.
// Rollups and counters go through the product's own helpers (applyUsage, statsInsert), so
// the queries that read them see what production would have written.
import { api } from "../convex/_generated/api";
import type { Doc, Id, TableNames } from "../convex/_generated/dataModel";
import type { WithoutSystemFields } from "convex/server";
import { statsInsert } from "../convex/lib/deploymentStats";
import { applyUsage, dayOf, DAY_MS, requestsDelta, type UsageDelta } from "../convex/lib/usageRollup";
import { userRow } from "../tests/convexTest";
import type { Stack } from "../tests/stack";

const BATCH = 5_000;
export const PAGE = 50;
export const first = (numItems = PAGE) => ({ paginationOpts: { numItems, cursor: null } });

export type Query<C> = {
  fn: string;
  grows: string;
  /** What a flat query reads besides auth: its page, cap or day range. */
  page: number;
  /** Documents each listed item costs (the row, and e.g. the project or user it points at); 1 if unset. */
  perItem?: number;
  /** What `page` counts: "page" (items) unless set; "none": a figure that should not depend on the data. */
  unit?: string;
  call: (c: C) => Promise<unknown>;
  /** The size the line reports, when it is not the seeded size (tables shared by all users). */
  at?: (c: C) => number;
};
export type Group<C> = { seed: (size: number) => Promise<C>; queries: Query<C>[] };
export const group = <C>(g: Group<C>) => g as Group<unknown>;

/**
 * `insertMany(stack, table)(n, make)` inserts `n` rows of `table` made by `make(i)`, BATCH per
 * transaction, and returns their ids (curried so the table fixes the row type before `make`
 * is checked: its string literals keep their literal types).
 */
export function insertMany<T extends TableNames>(stack: Stack, table: T) {
  return async (n: number, make: (i: number) => WithoutSystemFields<Doc<T>>): Promise<Id<T>[]> => {
    const ids: Id<T>[] = [];
    for (let done = 0; done < n; done += BATCH) {
      const m = Math.min(BATCH, n - done);
      ids.push(
        ...(await stack.t.run(async (ctx) => {
          const out: Id<T>[] = [];
          for (let i = 0; i < m; i++) out.push(await ctx.db.insert(table, make(done + i)));
          return out;
        })),
      );
    }
    return ids;
  };
}

export type Caller = Awaited<ReturnType<typeof caller>>;

/** A fresh signed-in user (its own rows only), with a client, its id and one project it owns. */
export async function caller(stack: Stack, id: string, role?: "admin") {
  const email = `${id}@bench.test`;
  const token = await stack.signIn({ id, email, name: id, role });
  const as = stack.convex(token);
  const userId = (await userRow(stack.t, id))!._id;
  const projectId: Id<"projects"> = await as.mutation(api.projects.create, { name: `bench ${id}`, framework: "react" });
  return { as, userId, projectId, email };
}

/** `n` more users rows, copies of `like` with their own Clerk id and address. */
export async function seedUsers(stack: Stack, like: Id<"users">, n: number, tag: string) {
  const base = (await stack.t.run(async (ctx) => ctx.db.get("users", like)))!;
  const { _id, _creationTime, ...fields } = base;
  return await insertMany(stack, "users")(n, (i) => ({
    ...fields,
    role: "user",
    clerkId: `${tag}_${i}`,
    email: `${tag}_${i}@bench.test`,
    name: `${tag} ${i}`,
  }));
}

const TYPES = ["generate", "explain", "fix", "refactor", "complete", "chat"] as const;

/**
 * `n` AI requests of one user in one project over the 30 days up to `now` (one in ten failed,
 * unless `failures` is false), with the daily rollups through applyUsage (what settling a
 * request calls), one delta per (day, type) per transaction.
 */
export async function seedAiRequests(
  stack: Stack,
  c: Pick<Caller, "userId"> & { projectId?: Id<"projects"> },
  n: number,
  now: number,
  failures = true,
) {
  const start = now - 30 * DAY_MS + 1;
  for (let done = 0; done < n; done += BATCH) {
    const m = Math.min(BATCH, n - done);
    await stack.t.run(async (ctx) => {
      const deltas = new Map<string, UsageDelta & { day: string }>();
      for (let i = 0; i < m; i++) {
        const k = done + i;
        const startedAt = start + Math.floor((k / n) * 30 * DAY_MS);
        const failed = failures && k % 10 === 9;
        const type = TYPES[k % TYPES.length];
        const row = {
          userId: c.userId,
          projectId: c.projectId,
          type,
          model: "claude-sonnet-5-5",
          promptExcerpt: "p",
          status: failed ? ("failed" as const) : ("completed" as const),
          inputTokens: failed ? 0 : 100 + (k % 50),
          outputTokens: failed ? 0 : 40,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          costMicros: failed ? 0 : 600 + (k % 50) * 2,
          latencyMs: 900,
          error: failed ? { code: "UPSTREAM_ERROR", message: "bench" } : undefined,
          startedAt,
          completedAt: startedAt + 900,
        };
        await ctx.db.insert("aiRequests", row);
        if (failed) continue; // a failed request's reservation is released: no net usage
        const key = `${dayOf(startedAt)}|${type}`;
        const d = deltas.get(key) ?? { ...requestsDelta(type, 0), day: dayOf(startedAt) };
        d.requests++;
        d.inputTokens += row.inputTokens;
        d.outputTokens += row.outputTokens;
        d.costMicros += row.costMicros;
        deltas.set(key, d);
      }
      for (const { day, ...delta } of deltas.values()) await applyUsage(ctx, c.userId, day, delta);
    });
  }
}

/** `n` deployments of the caller's project (3 of 5 ready, 1 error, 1 canceled), counted through statsInsert. */
export async function seedDeployments(stack: Stack, c: Pick<Caller, "userId" | "projectId">, n: number, now: number) {
  const statuses = ["ready", "ready", "ready", "error", "canceled"] as const;
  const [snapshotId] = await insertMany(stack, "snapshots")(1, () => ({
    projectId: c.projectId,
    fileCount: 1,
    totalBytes: 10,
    createdAt: now,
    createdBy: c.userId,
  }));
  const per = 250; // every statsInsert is two aggregate component calls: smaller transactions
  const ids: Id<"deployments">[] = [];
  for (let done = 0; done < n; done += per) {
    const m = Math.min(per, n - done);
    await stack.t.run(async (ctx) => {
      for (let i = 0; i < m; i++) {
        const status = statuses[(done + i) % statuses.length];
        const createdAt = now - n + done + i;
        const id = await ctx.db.insert("deployments", {
          projectId: c.projectId,
          userId: c.userId,
          provider: "vercel",
          environment: "production",
          status,
          step: status === "ready" ? "ready" : "building",
          snapshotId,
          attempts: 1,
          pollCount: 3,
          logCount: 0,
          pool: "free",
          createdAt,
          startedAt: createdAt,
          deployedAt: status === "ready" ? createdAt + 30_000 : undefined,
          error: status === "error" ? { code: "BUILD_FAILED", message: "bench" } : undefined,
        });
        ids.push(id);
        await statsInsert(ctx, (await ctx.db.get("deployments", id))!);
      }
    });
  }
  return ids;
}
