// ai.build.proposed: raised once when the build agent's change set becomes proposed.
import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { build, buildSetup, editor } from "../build/convexHelpers";

process.env.NOTIFY_ALLOW_LOOPBACK = "1";

describe("ai.build.proposed", () => {
  test("a proposed change set is in the inbox and queued to the user's channels", async () => {
    const s = await buildSetup();
    const { channelId } = await s.alice.mutation(api.notificationChannels.create, {
      kind: "webhook",
      name: "Hook",
      target: "http://127.0.0.1:9/hook",
    });
    const { changeSetId } = await build(s, [editor({ command: "create", path: "src/a.ts", file_text: "export {}\n" })]);
    const inbox = (await s.alice.query(api.notifications.list, { paginationOpts: { numItems: 10, cursor: null } }))
      .page;
    const proposed = inbox.filter((n) => n.type === "ai.build.proposed");
    expect(proposed).toHaveLength(1);
    expect(proposed[0]).toMatchObject({ projectId: s.projectId, message: expect.stringContaining("1 file changed") });
    const deliveries = await s.t.run((ctx) =>
      ctx.db
        .query("deliveries")
        .withIndex("by_channelId", (q) => q.eq("channelId", channelId))
        .take(10),
    );
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      status: "pending",
      event: { type: "ai.build.proposed", data: { changeSetId, files: 1 } },
    });
  });
});
