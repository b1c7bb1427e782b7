// The AI panel: POST /api/ai/chat (Ask) or POST /api/ai/build (Build: the build agent writes
// a change set, shown live by the change sets panel) on the edge, read as a stream with fetch
// (a browser's EventSource cannot send Authorization). Events: `delta` { text } …, `file` (build
// edits), then `done` or `error`.
import type { Id } from "../../convex/_generated/dataModel";
import { h } from "../dom";
import type { Session } from "../session";

type SseEvent = { event: string; data: string };

/** Splits a text/event-stream body into events as bytes arrive. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buf.indexOf("\n\n")) !== -1) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      yield { event, data: data.join("\n") };
    }
  }
}

export function aiPanel(root: HTMLElement, s: Session) {
  return function show(projectId: Id<"projects">) {
    const prompt = h("input", { placeholder: "Ask Claude about this project", testid: "ai-prompt", style: "flex:1" });
    const answer = h("div", { className: "answer", testid: "ai-answer" });
    const meta = h("p", { className: "muted", testid: "ai-meta" });
    let route: "/api/ai/chat" | "/api/ai/build" = "/api/ai/chat";
    let edits = 0;
    const ask = async (e: Event) => {
      e.preventDefault();
      answer.textContent = "";
      meta.textContent = "streaming…";
      edits = 0;
      const res = await s.edge(route, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ projectId, message: prompt.value }),
      });
      if (!res.ok || !res.body) {
        meta.textContent = `error ${res.status}: ${((await res.json().catch(() => ({}))) as { error?: { message?: string } }).error?.message ?? ""}`;
        return;
      }
      for await (const ev of readSse(res.body)) {
        const data = JSON.parse(ev.data) as {
          text?: string;
          message?: string;
          costMicros?: number | null;
          mock?: boolean;
          status?: string;
          files?: number;
        };
        if (ev.event === "delta") answer.textContent += data.text ?? "";
        else if (ev.event === "file") meta.textContent = `building… ${++edits} edit(s)`;
        else if (ev.event === "done") {
          const build = data.status ? ` · change set ${data.status}, ${data.files ?? 0} file(s)` : "";
          meta.textContent = `done${build} · cost ${((data.costMicros ?? 0) / 1e6).toFixed(4)} USD${data.mock ? " · mock" : ""}`;
        } else if (ev.event === "error") meta.textContent = `error: ${data.message}`;
      }
    };
    root.replaceChildren(
      h("h3", {}, "AI"),
      h(
        "form",
        { className: "row", onsubmit: (e: Event) => void ask(e) },
        prompt,
        h("button", { testid: "ai-ask", onclick: () => (route = "/api/ai/chat") }, "Ask"),
        h("button", { testid: "ai-build", onclick: () => (route = "/api/ai/build") }, "Build"),
      ),
      answer,
      meta,
    );
  };
}
