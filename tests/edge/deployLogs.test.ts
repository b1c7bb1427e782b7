// GET /api/deployments/:id/logs as SSE, against a fake Convex that serves a fixed log:
// where a stream resumes from, and how its events are framed.
import { describe, expect, test } from "vitest";
import { bearer, edgeApp, json, type SeamRequest } from "./helpers";

const LINES = Array.from({ length: 6 }, (_, seq) => ({ seq, at: 1_000 + seq, level: "info", text: `line ${seq}` }));

/** Answers /edge/deploy/logs like Convex: the lines after `afterSeq`, and `done` with the last page. */
function logsConvex(req: SeamRequest) {
  if (req.path !== "/edge/deploy/logs") return json(404, { error: { code: "NOT_FOUND", message: "no such action" } });
  const { afterSeq, limit } = req.body as { afterSeq: number; limit: number };
  const lines = LINES.filter((l) => l.seq > afterSeq).slice(0, limit);
  const nextSeq = lines.length ? lines[lines.length - 1].seq : afterSeq;
  return { status: "ready", lines, nextSeq, done: nextSeq === LINES.length - 1 };
}

/** Every SSE event of a finished stream; each must be `event:` (+ `id:`) + one `data:` JSON line + a blank line. */
async function events(res: Response) {
  const text = await res.text();
  expect(text.endsWith("\n\n")).toBe(true);
  return text
    .slice(0, -2)
    .split("\n\n")
    .map((block) => {
      const fields = Object.fromEntries(
        block.split("\n").map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
      );
      return { event: fields.event, id: fields.id as string | undefined, data: JSON.parse(fields.data) };
    });
}

const sse = (token: string, headers: Record<string, string> = {}) => ({
  headers: { ...bearer(token), Accept: "text/event-stream", ...headers },
});

describe("deployment logs over SSE", () => {
  test("a reconnect resumes from Last-Event-ID even when the URL still carries the first ?after", async () => {
    const h = await edgeApp({ convex: logsConvex });
    const token = await h.token("user_logs");
    const first = await events(await h.app.request("/api/deployments/dep1/logs?after=0", sse(token)));
    expect(first.filter((e) => e.event === "log").map((e) => e.id)).toEqual(["1", "2", "3", "4", "5"]);
    expect(first.at(-1)).toEqual({ event: "end", id: undefined, data: { status: "ready" } });

    // EventSource reconnects to the same URL and says where it got to.
    const resumed = await events(
      await h.app.request("/api/deployments/dep1/logs?after=0", sse(token, { "Last-Event-ID": "3" })),
    );
    expect(resumed.filter((e) => e.event === "log").map((e) => e.data.seq)).toEqual([4, 5]);
    expect(resumed.at(-1)!.event).toBe("end");
  });

  test("without Last-Event-ID, ?after still decides (JSON pages and first connections)", async () => {
    const h = await edgeApp({ convex: logsConvex });
    const token = await h.token("user_logs");
    const page = await (await h.app.request("/api/deployments/dep1/logs?after=4", { headers: bearer(token) })).json();
    expect(page.lines.map((l: { seq: number }) => l.seq)).toEqual([5]);
  });
});
