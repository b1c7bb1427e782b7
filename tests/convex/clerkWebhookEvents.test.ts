// Clerk user events whose shape is wrong, events delivered out of order, and the verified
// primary address (what invitations match on).
import { afterEach, describe, expect, test, vi } from "vitest";
import { newConvexTest, userRow } from "../convexTest";
import { deliver, deliveredWithoutChange, useWebhookSecret, userData, verified } from "./clerkDelivery";

useWebhookSecret();

describe("a signed event that is not the shape Clerk documents", () => {
  let warn: ReturnType<typeof vi.spyOn>;
  afterEach(() => warn.mockRestore());

  const malformed: [string, string, Record<string, unknown>][] = [
    ["email_addresses: [null]", "user.created", userData({ email_addresses: [null] })],
    ["email_addresses: a string", "user.updated", userData({ email_addresses: "ada@example.com" })],
    ["an email without its address", "user.created", userData({ email_addresses: [{ id: "idn_1" }] })],
    ["a numeric user id", "user.created", userData({ id: 42 })],
    ["no user id", "user.created", { first_name: "No id", email_addresses: [], updated_at: 1 }],
    ["first_name: 7", "user.updated", userData({ first_name: 7 })],
    ["no updated_at", "user.updated", userData({ updated_at: undefined })],
    ["user.deleted without an id", "user.deleted", { deleted: true }],
  ];

  test.each(malformed)("%s → 400 INVALID, logged, nothing written", async (_name, type, data) => {
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const t = newConvexTest();
    await deliveredWithoutChange(t, { type, data }, { id: "msg_bad" }, 400, "INVALID");
    expect(warn).toHaveBeenCalledTimes(1);
    const line = String(warn.mock.calls[0][0]);
    expect(line).toContain(`malformed ${type} event msg_bad`);
    expect(line).not.toContain("ada@example.com"); // field paths only, no personal data
  });

  test("the log names the field that was wrong", async () => {
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await deliver(newConvexTest(), { type: "user.created", data: userData({ email_addresses: [null] }) });
    expect(String(warn.mock.calls[0][0])).toContain("email_addresses.0");
  });
});

describe("events delivered out of order (Clerk's updated_at)", () => {
  test("an older user.updated delivered late is ignored; the row keeps the newest updated_at", async () => {
    const t = newConvexTest();
    await deliver(t, { type: "user.created", data: userData({ updated_at: 1_000, first_name: "Ada" }) });
    const newer = await deliver(t, {
      type: "user.updated",
      data: userData({ updated_at: 3_000, first_name: "Augusta" }),
    });
    expect(await newer.json()).toMatchObject({ result: "applied" });
    const late = await deliver(t, { type: "user.updated", data: userData({ updated_at: 2_000, first_name: "Stale" }) });
    expect(late.status).toBe(200); // acknowledged, so Clerk does not retry it
    expect(await late.json()).toMatchObject({ result: "ignored" });
    expect(await userRow(t, "user_ada")).toMatchObject({ name: "Augusta Lovelace", clerkUpdatedAt: 3_000 });
  });

  test("a user.created delivered after a newer user.updated does not undo it", async () => {
    const t = newConvexTest();
    await deliver(t, { type: "user.updated", data: userData({ updated_at: 5_000, first_name: "Augusta" }) });
    await deliver(t, { type: "user.created", data: userData({ updated_at: 1_000, first_name: "Ada" }) });
    expect(await userRow(t, "user_ada")).toMatchObject({ name: "Augusta Lovelace", clerkUpdatedAt: 5_000 });
  });
});

describe("the verified primary address", () => {
  test("a verified primary address becomes verifiedEmail; an unverified one does not, and clears it", async () => {
    const t = newConvexTest();
    await deliver(t, { type: "user.created", data: userData({ updated_at: 1 }) });
    expect(await userRow(t, "user_ada")).toMatchObject({ email: "ada@example.com", verifiedEmail: "ada@example.com" });
    const unverified = [{ id: "idn_3", email_address: "new@example.com", verification: { status: "unverified" } }];
    await deliver(t, {
      type: "user.updated",
      data: userData({ updated_at: 2, email_addresses: unverified, primary_email_address_id: "idn_3" }),
    });
    const row = await userRow(t, "user_ada");
    expect(row).toMatchObject({ email: "new@example.com" });
    expect(row!.verifiedEmail).toBeUndefined();
  });

  test("an address without a verification object is not verified", async () => {
    const t = newConvexTest();
    const emails = [{ id: "idn_2", email_address: "ada@example.com", verification: null }];
    await deliver(t, { type: "user.created", data: userData({ email_addresses: emails }) });
    expect((await userRow(t, "user_ada"))!.verifiedEmail).toBeUndefined();
    // The primary is the one named by primary_email_address_id, not the first verified one.
    const two = [{ id: "idn_1", email_address: "other@example.com", verification: verified }, ...emails];
    await deliver(t, { type: "user.updated", data: userData({ updated_at: 1_800_000_000_000, email_addresses: two }) });
    expect((await userRow(t, "user_ada"))!.verifiedEmail).toBeUndefined();
  });
});
