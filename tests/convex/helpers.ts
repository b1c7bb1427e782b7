// Shared setup for the Convex data-layer tests: three signed-in people, a project, error
// code assertions and a dump of the tables a test must prove unchanged.
import { callerFor, TEST_ISSUER } from "../keys";
import { createHash } from "node:crypto";
import { expect } from "vitest";
import type { TableNames } from "../../convex/_generated/dataModel";
import type { Id } from "../../convex/_generated/dataModel";
import { api, internal } from "../../convex/_generated/api";
import { errorData } from "../../convex/lib/errors";
import { asUser, newConvexTest, userRow, type ConvexTest } from "../convexTest";

export type Caller = ReturnType<typeof asUser>;

export async function setup() {
  const t = newConvexTest();
  const people = {
    alice: { clerkId: "user_alice", email: "alice@example.com", name: "Alice" },
    bob: { clerkId: "user_bob", email: "bob@example.com", name: "Bob" },
    carol: { clerkId: "user_carol", email: "carol@example.com", name: "Carol" },
  };
  const ids = {} as Record<keyof typeof people, Id<"users">>;
  for (const [key, p] of Object.entries(people) as [keyof typeof people, (typeof people)["alice"]][]) {
    const profile = await t.mutation(internal.users.meForEdge, {
      caller: callerFor(p.clerkId, { email: p.email, name: p.name }),
    });
    ids[key] = profile.id;
  }
  return {
    t,
    ids,
    alice: asUser(t, people.alice.clerkId, { email: people.alice.email, name: people.alice.name }),
    bob: asUser(t, people.bob.clerkId, { email: people.bob.email, name: people.bob.name }),
    carol: asUser(t, people.carol.clerkId, { email: people.carol.email, name: people.carol.name }),
  };
}

/** What Clerk's webhook does for a verified primary address: the user row's email becomes proven. */
export async function markEmailVerified(t: ConvexTest, clerkId: string): Promise<void> {
  const row = await userRow(t, clerkId);
  if (!row) throw new Error(`no user ${clerkId}`);
  await t.run((ctx) => ctx.db.patch("users", row._id, { verifiedEmail: row.email }));
}

/** The owner invites `clerkId`'s (verified) address and they accept: the way anyone joins a project. */
export async function addMember(
  t: ConvexTest,
  owner: Caller,
  projectId: Id<"projects">,
  member: { clerkId: string; as: Caller },
  role: "editor" | "viewer",
): Promise<void> {
  await markEmailVerified(t, member.clerkId);
  const email = (await userRow(t, member.clerkId))!.email;
  const invitationId = await owner.mutation(api.invitations.create, { projectId, email, role });
  await member.as.mutation(api.invitations.accept, { invitationId });
}

/** `who` asks for an upload URL into `projectId` for `bytes`, then the bytes are stored (the client's POST). */
export async function upload(t: ConvexTest, who: Caller, projectId: Id<"projects">, bytes: string | Uint8Array) {
  const hash = createHash("sha256").update(bytes).digest("hex");
  const { uploadId } = await who.mutation(api.files.generateUploadUrl, { projectId, hash });
  const storageId = await t.run((ctx) => ctx.storage.store(new Blob([bytes as BlobPart])));
  return { uploadId, storageId };
}

/** Alice's project with Bob as editor and Carol as viewer. */
export async function setupProject() {
  const s = await setup();
  const projectId = await s.alice.mutation(api.projects.create, { name: "Shop", framework: "react" });
  await addMember(s.t, s.alice, projectId, { clerkId: "user_bob", as: s.bob }, "editor");
  await addMember(s.t, s.alice, projectId, { clerkId: "user_carol", as: s.carol }, "viewer");
  return { ...s, projectId };
}

/** Awaits `p`, expects a ConvexError with `code`, returns its data. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new Error(`expected ${code}, but the call succeeded`);
  const data = errorData(err);
  expect(data?.code ?? String(err)).toBe(code);
  return data as Record<string, unknown>;
}

const DATA_TABLES: TableNames[] = [
  "users",
  "projects",
  "projectMembers",
  "files",
  "blobs",
  "snapshots",
  "snapshotFiles",
  "notifications",
  "webhookEvents",
  "invitations",
  "uploads",
  "userUsage",
];

/** Every row of the data-layer tables, file storage and the scheduler, for "nothing changed" assertions. */
export async function dump(t: ConvexTest): Promise<Record<string, unknown[]>> {
  return await t.run(async (ctx) => {
    const out: Record<string, unknown[]> = {};
    for (const table of DATA_TABLES) out[table] = await ctx.db.query(table).collect();
    out._storage = await ctx.db.system.query("_storage").collect();
    out._scheduled_functions = await ctx.db.system.query("_scheduled_functions").collect();
    return out;
  });
}

export async function expectUnchanged(t: ConvexTest, before: Record<string, unknown[]>): Promise<void> {
  expect(await dump(t)).toEqual(before);
}

/** Runs `fn` expecting `code`, and checks no data-layer row changed. */
export async function refusedWithoutChange(t: ConvexTest, fn: () => Promise<unknown>, code: string) {
  const before = await dump(t);
  const data = await expectCode(fn(), code);
  await expectUnchanged(t, before);
  return data;
}

export const PAGE = { numItems: 50, cursor: null };

type Page<T> = { page: T[]; isDone: boolean; continueCursor: string };

/** Every page of a paginated list, following `continueCursor` until `isDone`. */
export async function allPages<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  for (;;) {
    const result = await fetchPage(cursor);
    pages.push(result.page);
    if (result.isDone) return pages;
    cursor = result.continueCursor;
  }
}

// ---------- invitations ----------

/** A caller whose token carries `email` and says whether it is verified (Convex's `emailVerified`). */
export function emailCaller(t: ConvexTest, clerkId: string, email: string, emailVerified: boolean): Caller {
  return t.withIdentity({
    subject: clerkId,
    issuer: TEST_ISSUER,
    tokenIdentifier: `${TEST_ISSUER}|${clerkId}`,
    email,
    emailVerified,
  });
}

export async function ownerWithProject() {
  const s = await setup();
  const projectId = await s.alice.mutation(api.projects.create, { name: "Shop", framework: "react" });
  return { ...s, projectId };
}

export const members = (who: Caller, projectId: Id<"projects">) => who.query(api.projects.members, { projectId });
