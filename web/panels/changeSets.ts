// The build agent's change sets (docs/build-agent.md): changeSets.list (live) names the
// project's recent ones; the newest open one is shown with changeSets.get (live: while Claude
// drafts, each edit appears as it is stored) and one changeSets.diff per file; Apply and
// Reject call changeSets.apply / changeSets.reject. Applied files show up in the files panel
// through its own files.list subscription: nothing here refreshes it.
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { h, messageOf } from "../dom";
import type { Session } from "../session";

/** Statuses a person can still act on (apply or reject). */
const OPEN = new Set(["drafting", "proposed", "interrupted"]);
/** Diffs subscribed at once; a bigger change set lists the rest without a diff. */
const MAX_DIFFS = 20;

export function changeSetsPanel(root: HTMLElement, s: Session) {
  let stopList = () => {};
  let stopOpen = () => {};

  function showSet(detail: HTMLElement, changeSetId: Id<"changeSets">) {
    stopOpen();
    const diffs = new Map<string, () => void>();
    const status = h("span", { className: "status", testid: "change-set-status" });
    const files = h("ul", { testid: "change-set-files" });
    const note = h("p", { className: "muted", testid: "change-set-summary" });
    const error = h("p", { className: "error", role: "alert", testid: "change-set-error" });
    const act = async (what: "apply" | "reject") => {
      error.textContent = "";
      try {
        if (what === "apply") {
          const r = await s.client.mutation(api.changeSets.apply, { changeSetId });
          note.textContent = `Applied: ${r.written} file(s) written${r.merged.length ? `, merged ${r.merged.join(", ")}` : ""}`;
        } else await s.client.mutation(api.changeSets.reject, { changeSetId });
      } catch (err) {
        error.textContent = messageOf(err);
      }
    };
    const applyButton = h("button", { testid: "change-set-apply", onclick: () => void act("apply") }, "Apply");
    const rejectButton = h("button", { testid: "change-set-reject", onclick: () => void act("reject") }, "Reject");
    detail.replaceChildren(h("div", { className: "row" }, status, applyButton, rejectButton), note, files, error);

    const entries = new Map<string, HTMLElement>();
    const stopGet = s.client.onUpdate(
      api.changeSets.get,
      { changeSetId },
      (cs) => {
        status.textContent = cs.status;
        applyButton.disabled = rejectButton.disabled = !OPEN.has(cs.status);
        if (cs.summary && cs.status !== "applied") note.textContent = cs.summary;
        const seen = new Set<string>();
        for (const f of cs.files) {
          seen.add(f.path);
          let li = entries.get(f.path);
          if (!li) {
            const pre = h("pre", { className: "diff", testid: "change-set-diff" });
            li = h("li", { testid: "change-set-file", "data-path": f.path }, h("div", { className: "muted" }), pre);
            entries.set(f.path, li);
            if (diffs.size < MAX_DIFFS) {
              diffs.set(
                f.path,
                s.client.onUpdate(
                  api.changeSets.diff,
                  { changeSetId, path: f.path },
                  (d) => (pre.textContent = d.tooLarge ? "(too large for a line diff)" : d.unified),
                  (err) => (pre.textContent = messageOf(err)),
                ),
              );
            }
          }
          li.firstElementChild!.textContent = `${f.op} ${f.path} +${f.added} −${f.removed}`;
        }
        for (const [path, li] of entries) {
          if (seen.has(path)) continue;
          li.remove();
          entries.delete(path);
          diffs.get(path)?.();
          diffs.delete(path);
        }
        files.replaceChildren(...cs.files.map((f) => entries.get(f.path)!));
      },
      (err) => (error.textContent = messageOf(err)),
    );
    stopOpen = () => {
      stopGet();
      diffs.forEach((stop) => stop());
      diffs.clear();
    };
  }

  return function show(projectId: Id<"projects">) {
    stopList();
    stopOpen();
    root.hidden = false;
    const list = h("ul", { testid: "change-set-list" });
    const detail = h("div", { testid: "change-set" });
    root.replaceChildren(h("h3", {}, "Change sets"), list, detail);
    let shown: Id<"changeSets"> | undefined;
    const stop = s.client.onUpdate(
      api.changeSets.list,
      { projectId, paginationOpts: { numItems: 10, cursor: null } },
      (r) => {
        list.replaceChildren(
          ...r.page.map((cs) =>
            h(
              "li",
              {
                className: `item${cs._id === shown ? " active" : ""}`,
                testid: "change-set-item",
                onclick: () => showSet(detail, (shown = cs._id)),
              },
              `${cs.title ?? "Change set"} `,
              h("span", { className: "muted" }, `${cs.status} · ${cs.fileCount} file(s)`),
            ),
          ),
        );
        // A build that just started a change set: show it while Claude drafts.
        const newestOpen = r.page.find((cs) => OPEN.has(cs.status));
        if (
          newestOpen &&
          newestOpen._id !== shown &&
          (!shown || !r.page.some((cs) => cs._id === shown && OPEN.has(cs.status)))
        ) {
          showSet(detail, (shown = newestOpen._id));
        }
      },
    );
    stopList = () => {
      stop();
      shown = undefined;
    };
  };
}
