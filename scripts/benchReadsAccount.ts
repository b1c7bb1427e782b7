// The account groups of scripts/bench/reads.ts: invoices, the inbox and its deliveries,
// channels, invitations, provider tokens, and the administrators' lists. Tables past a cap
// the product enforces (channels, pending invitations, one token per provider) are seeded
// past it on purpose: the line shows the query's own bound holds.
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { Stack } from "../tests/stack";
import { first, group, insertMany, PAGE, seedUsers, type Caller } from "./benchReadsSeed";
import { subscriptionWritten } from "../convex/lib/revenueTotals";

const PROVIDERS = ["vercel", "netlify", "railway"] as const;
const PLANS = ["starter", "pro", "business"] as const;

export function account(stack: Stack, admin: Caller, fresh: (what: string, size: number) => Promise<Caller>) {
  const now = () => stack.now();
  const totals = { subscriptions: 0 };
  const users = () => stack.t.run(async (ctx) => (await ctx.db.query("users").collect()).length);
  type Inbox = Caller & { channelId: Id<"notificationChannels">; deliveryId: Id<"deliveries"> };
  type Invited = Caller & { invitee: Caller };
  type Admin = Caller & { users: number; subscriptions: number };

  return [
    group({
      seed: async (size): Promise<Inbox> => {
        const c = await fresh("inbox", size);
        const t = now();
        await insertMany(stack, "billingInvoices")(size, (i) => ({
          userId: c.userId,
          provider: "stripe",
          invoiceId: `in_${c.userId}_${i}`,
          status: "paid",
          amountCents: 1_900,
          currency: "usd",
          createdAt: t - i,
        }));
        await insertMany(stack, "notifications")(size, (i) => ({
          userId: c.userId,
          type: "system",
          title: `notice ${i}`,
          message: "bench",
          read: false,
          createdAt: t - i,
        }));
        const channels = await insertMany(stack, "notificationChannels")(size, (i) => ({
          userId: c.userId,
          kind: "webhook",
          name: `hook ${i}`,
          target: "https://example.com/hook",
          events: ["system"],
          enabled: true,
          verified: true,
          consecutiveFailures: 0,
          createdAt: t,
          updatedAt: t,
        }));
        const deliveries = await insertMany(stack, "deliveries")(size, (i) => ({
          userId: c.userId,
          channelId: channels[0],
          kind: "webhook",
          event: { type: "system", title: `notice ${i}`, message: "bench", occurredAt: t - i },
          messageId: `msg_${c.userId}_${i}`,
          status: "sent",
          attempts: 1,
          createdAt: t - i,
        }));
        await insertMany(stack, "deliveryAttempts")(size, (i) => ({
          deliveryId: deliveries[0],
          attempt: i + 1,
          outcome: "retry",
          latencyMs: 10,
          at: t + i,
        }));
        await insertMany(stack, "providerTokens")(size, (i) => ({
          userId: c.userId,
          provider: PROVIDERS[i % PROVIDERS.length],
          ciphertext: "x",
          iv: "x",
          hint: "abcd",
          createdAt: t,
          updatedAt: t,
        }));
        return { ...c, channelId: channels[0], deliveryId: deliveries[0] };
      },
      queries: [
        {
          fn: "billing.invoices",
          grows: "the caller's invoices",
          page: PAGE,
          call: (c: Inbox) => c.as.query(api.billing.invoices, first()),
        },
        {
          fn: "notifications.list",
          grows: "the caller's notifications",
          page: PAGE,
          call: (c: Inbox) => c.as.query(api.notifications.list, first()),
        },
        {
          fn: "notifications.unreadCount",
          grows: "the caller's unread notifications",
          page: 100,
          unit: "cap",
          call: (c: Inbox) => c.as.query(api.notifications.unreadCount, {}),
        },
        {
          fn: "deliveries.list",
          grows: "the caller's deliveries",
          page: PAGE,
          call: (c: Inbox) => c.as.query(api.deliveries.list, first()),
        },
        {
          fn: "deliveries.list({channelId})",
          grows: "deliveries of one channel",
          page: PAGE,
          call: (c: Inbox) => c.as.query(api.deliveries.list, { channelId: c.channelId, ...first() }),
        },
        {
          fn: "deliveries.attempts",
          grows: "attempts of one delivery",
          page: 100,
          unit: "cap",
          call: (c: Inbox) => c.as.query(api.deliveries.attempts, { deliveryId: c.deliveryId }),
        },
        {
          fn: "notificationChannels.list",
          grows: "the caller's channels, past the cap",
          page: 20,
          unit: "cap",
          call: (c: Inbox) => c.as.query(api.notificationChannels.list, {}),
        },
        {
          fn: "providerTokens.list",
          grows: "the caller's token rows, past one per provider",
          page: 10,
          unit: "cap",
          call: (c: Inbox) => c.as.query(api.providerTokens.list, {}),
        },
      ],
    }),
    group({
      seed: async (size): Promise<Invited> => {
        const c = await fresh("owner", size);
        const invitee = await fresh("invitee", size);
        await stack.t.run(async (ctx) => ctx.db.patch("users", invitee.userId, { verifiedEmail: invitee.email }));
        const t = now();
        const invitation = (email: string) => ({
          projectId: c.projectId,
          email,
          role: "viewer" as const,
          invitedBy: c.userId,
          status: "pending" as const,
          createdAt: t,
          expiresAt: t + 7 * 86_400_000,
        });
        await insertMany(stack, "invitations")(size, (i) => invitation(`invited_${c.userId}_${i}@bench.test`));
        await insertMany(stack, "invitations")(size, () => invitation(invitee.email));
        return { ...c, invitee };
      },
      queries: [
        {
          fn: "invitations.listForProject",
          grows: "pending invitations of one project, past the cap",
          page: 50,
          unit: "cap",
          call: (c: Invited) => c.as.query(api.invitations.listForProject, { projectId: c.projectId }),
        },
        {
          fn: "invitations.listMine",
          grows: "pending invitations to the caller's address",
          page: 50,
          unit: "cap",
          perItem: 3,
          call: (c: Invited) => c.invitee.as.query(api.invitations.listMine, {}),
        },
      ],
    }),
    group({
      seed: async (size): Promise<Admin> => {
        const c = await fresh("audited", size);
        const t = now();
        await seedUsers(stack, c.userId, size, `user_reads_crowd_${size}`);
        const add = Math.max(0, size - totals.subscriptions);
        const subscriptionIds = await insertMany(stack, "subscriptions")(add, (i) => ({
          userId: c.userId,
          provider: "stripe",
          customerId: `cus_${size}_${i}`,
          subscriptionId: `sub_${size}_${i}`,
          plan: PLANS[i % PLANS.length],
          status: "active",
          currentPeriodStart: t,
          currentPeriodEnd: t + 30 * 86_400_000,
          cancelAtPeriodEnd: false,
          amountCents: 1_900,
          stateVersion: [t, t],
          createdAt: t,
          updatedAt: t + i,
        }));
        // The revenue counters move as the webhooks would move them for each new row.
        for (let i = 0; i < subscriptionIds.length; i += 1_000)
          await stack.t.run(async (ctx) => {
            for (const id of subscriptionIds.slice(i, i + 1_000))
              await subscriptionWritten(ctx, null, await ctx.db.get("subscriptions", id));
          });
        totals.subscriptions += add;
        await insertMany(stack, "billingAudit")(size, (i) => ({
          userId: c.userId,
          action: "plan.changed",
          actor: { kind: "schedule" },
          from: "free",
          to: "pro",
          at: t - i,
        }));
        return { ...c, users: await users(), subscriptions: totals.subscriptions };
      },
      queries: [
        {
          fn: "admin.users",
          grows: "all users",
          page: PAGE,
          call: () => admin.as.query(api.admin.users, first()),
          at: (c: Admin) => c.users,
        },
        {
          fn: "admin.subscriptions",
          grows: "active subscriptions",
          page: PAGE,
          call: () => admin.as.query(api.admin.subscriptions, { status: "active", ...first() }),
          at: (c: Admin) => c.subscriptions,
        },
        {
          fn: "admin.revenue",
          grows: "active subscriptions, from counters",
          // 4 plans × 2 counters × at most 8 shard rows.
          page: 64,
          unit: "counter rows",
          call: () => admin.as.query(api.admin.revenue, {}),
          at: (c: Admin) => c.subscriptions,
        },
        {
          fn: "admin.auditLog",
          grows: "one user's audit rows",
          page: PAGE,
          call: (c: Admin) => admin.as.query(api.admin.auditLog, { userId: c.userId, ...first() }),
        },
      ],
    }),
  ];
}
