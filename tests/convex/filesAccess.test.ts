// Authorization of every public files.* function: a stranger gets NOT_FOUND, a viewer may
// read but not write (FORBIDDEN), anonymous callers are UNAUTHENTICATED — nothing changes.
import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { asUser } from "../convexTest";
import { expectCode, PAGE, refusedWithoutChange, setupProject, upload, type Caller } from "./helpers";

async function fixture() {
  const s = await setupProject();
  await s.alice.mutation(api.files.write, { projectId: s.projectId, path: "a.txt", content: "a" });
  const stranger = asUser(s.t, "user_dave", { email: "dave@example.com" });
  await stranger.mutation(api.projects.create, { name: "Dave's", framework: "react" }); // has a row and a project
  // The editor's own upload: the one caller allowed to commit it.
  return { ...s, stranger, upload: await upload(s.t, s.bob, s.projectId, "upload") };
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

const writes: [string, (f: Fixture, who: Caller) => Promise<unknown>][] = [
  ["write", (f, who) => who.mutation(api.files.write, { projectId: f.projectId, path: "b.txt", content: "b" })],
  [
    "writeMany",
    (f, who) => who.mutation(api.files.writeMany, { projectId: f.projectId, files: [{ path: "b.txt", content: "b" }] }),
  ],
  ["rename", (f, who) => who.mutation(api.files.rename, { projectId: f.projectId, from: "a.txt", to: "b.txt" })],
  ["remove", (f, who) => who.mutation(api.files.remove, { projectId: f.projectId, path: "a.txt" })],
  [
    "generateUploadUrl",
    (f, who) => who.mutation(api.files.generateUploadUrl, { projectId: f.projectId, hash: "0".repeat(64) }),
  ],
  [
    "commitUpload",
    (f, who) => who.mutation(api.files.commitUpload, { projectId: f.projectId, path: "up.bin", ...f.upload }),
  ],
];

const reads: [string, (f: Fixture, who: Caller) => Promise<unknown>][] = [
  ["read", (f, who) => who.query(api.files.read, { projectId: f.projectId, path: "a.txt" })],
  ["list", (f, who) => who.query(api.files.list, { projectId: f.projectId, paginationOpts: PAGE })],
  ["snapshot", (f, who) => who.query(api.files.snapshot, { projectId: f.projectId, paginationOpts: PAGE })],
];

describe("files authorization", () => {
  test.each(writes)("%s: a stranger gets NOT_FOUND, a viewer FORBIDDEN; nothing changes", async (_name, call) => {
    const f = await fixture();
    await refusedWithoutChange(f.t, () => call(f, f.stranger), "NOT_FOUND");
    await refusedWithoutChange(f.t, () => call(f, f.carol), "FORBIDDEN");
    await refusedWithoutChange(f.t, () => call(f, asUser(f.t, "user_never_seen")), "NOT_FOUND");
    await refusedWithoutChange(f.t, () => call(f, f.t as unknown as Caller), "UNAUTHENTICATED");
    // The editor may.
    await call(f, f.bob);
  });

  test.each(reads)("%s: a stranger gets NOT_FOUND; viewer, editor and owner may read", async (_name, call) => {
    const f = await fixture();
    await expectCode(call(f, f.stranger), "NOT_FOUND");
    await expectCode(call(f, asUser(f.t, "user_never_seen")), "NOT_FOUND");
    await expectCode(call(f, f.t as unknown as Caller), "UNAUTHENTICATED");
    for (const who of [f.carol, f.bob, f.alice]) expect(await call(f, who)).toBeTruthy();
  });

  test("a member removed from the project loses access", async () => {
    const f = await fixture();
    await f.alice.mutation(api.projects.removeMember, { projectId: f.projectId, userId: f.ids.bob });
    await refusedWithoutChange(f.t, () => writes[0][1](f, f.bob), "NOT_FOUND");
    await expectCode(reads[0][1](f, f.bob), "NOT_FOUND");
  });
});
