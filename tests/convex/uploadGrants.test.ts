// An upload URL is a grant to the person who asked, for the project they named: nobody else
// can commit what was uploaded with it (and so read someone else's bytes).
import { createHash } from "node:crypto";
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { GRACE_MS } from "../../convex/blobs";
import { UPLOAD_TTL_MS } from "../../convex/files";
import { asUser } from "../convexTest";
import { addMember, refusedWithoutChange, setup, setupProject, upload } from "./helpers";

afterEach(() => vi.useRealTimers());

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("files.commitUpload is tied to the uploader and the project", () => {
  test("another user cannot commit A's object into their own project, with or without a grant of their own", async () => {
    const { t, alice, bob, projectId } = await setup().then(async (s) => ({
      ...s,
      projectId: await s.alice.mutation(api.projects.create, { name: "A", framework: "react" }),
    }));
    const bobProject = await bob.mutation(api.projects.create, { name: "B", framework: "react" });
    // Bob asks for a grant first (announcing bytes of his own), then Alice uploads.
    const bobGrant = await bob.mutation(api.files.generateUploadUrl, {
      projectId: bobProject,
      hash: sha("bob's bytes"),
    });
    const secret = await upload(t, alice, projectId, "alice's private bytes");
    // Bob learned the storageId: neither his own grant nor Alice's upload id lets him commit it.
    await refusedWithoutChange(
      t,
      () =>
        bob.mutation(api.files.commitUpload, {
          projectId: bobProject,
          path: "x.bin",
          storageId: secret.storageId,
          uploadId: bobGrant.uploadId,
        }),
      "NOT_FOUND",
    );
    await refusedWithoutChange(
      t,
      () => bob.mutation(api.files.commitUpload, { projectId: bobProject, path: "x.bin", ...secret }),
      "NOT_FOUND",
    );
    // Alice's own commit still works.
    expect((await alice.mutation(api.files.commitUpload, { projectId, path: "x.bin", ...secret })).size).toBe(21);
  });

  test("an editor of the same project cannot commit the owner's upload either", async () => {
    const { t, alice, bob, projectId } = await setupProject(); // Bob is an editor here
    const up = await upload(t, alice, projectId, "owner's draft");
    await refusedWithoutChange(
      t,
      () => bob.mutation(api.files.commitUpload, { projectId, path: "d.txt", ...up }),
      "NOT_FOUND",
    );
  });

  test("a grant for one project does not commit into another of the same person", async () => {
    const { t, alice, projectId } = await setupProject();
    const second = await alice.mutation(api.projects.create, { name: "Second", framework: "static" });
    const up = await upload(t, alice, projectId, "for the first");
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.commitUpload, { projectId: second, path: "a.txt", ...up }),
      "NOT_FOUND",
    );
  });

  test("an object stored before the grant, or already committed, is refused even with the right hash", async () => {
    const { t, alice, bob, projectId } = await setupProject();
    const earlier = await t.run((ctx) => ctx.storage.store(new Blob(["before the grant"])));
    const committed = await upload(t, alice, projectId, "committed content");
    await alice.mutation(api.files.commitUpload, { projectId, path: "c.txt", ...committed });
    vi.useFakeTimers({ now: Date.now() + 1000 }); // grants from now on are younger than both objects
    for (const [storageId, content] of [
      [earlier, "before the grant"],
      [committed.storageId, "committed content"],
    ] as const) {
      const { uploadId } = await bob.mutation(api.files.generateUploadUrl, { projectId, hash: sha(content) });
      await refusedWithoutChange(
        t,
        () => bob.mutation(api.files.commitUpload, { projectId, path: "steal.txt", storageId, uploadId }),
        "NOT_FOUND",
      );
    }
  });

  test("bytes other than the announced ones are refused; a malformed hash is INVALID", async () => {
    const { t, alice, projectId } = await setupProject();
    const { uploadId } = await alice.mutation(api.files.generateUploadUrl, {
      projectId,
      hash: sha("what I meant to send"),
    });
    const storageId = await t.run((ctx) => ctx.storage.store(new Blob(["something else"])));
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.commitUpload, { projectId, path: "a.txt", storageId, uploadId }),
      "NOT_FOUND",
    );
    for (const hash of ["", "abc", sha("x").slice(1) + "g"]) {
      await refusedWithoutChange(t, () => alice.mutation(api.files.generateUploadUrl, { projectId, hash }), "INVALID");
    }
    // Upper-case hex is the same hash.
    await alice.mutation(api.files.generateUploadUrl, { projectId, hash: sha("x").toUpperCase() });
  });

  test("a grant is used once and expires after an hour (then its row is gone)", async () => {
    vi.useFakeTimers();
    const { t, alice, projectId } = await setupProject();
    const up = await upload(t, alice, projectId, "once");
    await alice.mutation(api.files.commitUpload, { projectId, path: "a.txt", ...up });
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.commitUpload, { projectId, path: "b.txt", ...up }),
      "NOT_FOUND",
    );
    const late = await upload(t, alice, projectId, "too late");
    vi.advanceTimersByTime(UPLOAD_TTL_MS);
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.commitUpload, { projectId, path: "c.txt", ...late }),
      "NOT_FOUND",
    );
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await t.run((ctx) => ctx.db.query("uploads").collect())).toEqual([]);
    // The grant lasts no longer than the blob sweep's grace, so the sweep never deletes a committable object.
    expect(UPLOAD_TTL_MS).toBeLessThanOrEqual(GRACE_MS);
  });

  test("a member removed after asking for a grant can no longer commit with it", async () => {
    const { t, alice, projectId } = await setupProject();
    const dave = asUser(t, "user_dave", { email: "dave@example.com" });
    await dave.mutation(api.users.updatePreferences, {});
    await addMember(t, alice, projectId, { clerkId: "user_dave", as: dave }, "editor");
    const up = await upload(t, dave, projectId, "dave's");
    const daveId = (await dave.query(api.users.me, {}))!.id;
    await alice.mutation(api.projects.removeMember, { projectId, userId: daveId });
    await refusedWithoutChange(
      t,
      () => dave.mutation(api.files.commitUpload, { projectId, path: "d.txt", ...up }),
      "NOT_FOUND",
    );
  });
});
