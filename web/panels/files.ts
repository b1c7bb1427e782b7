// File tree and editor: files.list (live), files.read for the open file (live, so an edit in
// another tab or by the AI shows up), files.write on Save, a new-file form.
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { h, messageOf } from "../dom";
import type { Session } from "../session";

export function filesPanel(root: HTMLElement, s: Session) {
  let stopList = () => {};
  let stopFile = () => {};
  return function show(projectId: Id<"projects">, projectName: string) {
    stopList();
    stopFile();
    const tree = h("ul", { testid: "file-tree" });
    const editor = h("textarea", { testid: "editor", placeholder: "Open or create a file", disabled: true });
    const path = h("input", { placeholder: "path, e.g. index.html", testid: "new-file-path" });
    const status = h("span", { className: "muted", testid: "editor-status" });
    const error = h("p", { className: "error", role: "alert" });
    let open: string | undefined;
    let lastHash: string | undefined;

    const openFile = (p: string) => {
      stopFile();
      open = p;
      editor.disabled = false;
      status.textContent = p;
      stopFile = s.client.onUpdate(api.files.read, { projectId, path: p }, (f) => {
        // Keep unsaved typing; take the server's text when the editor still holds the last version.
        if (f && f.hash !== lastHash && (document.activeElement !== editor || editor.dataset.dirty !== "1")) {
          editor.value = f.content ?? "";
          lastHash = f.hash;
          editor.dataset.dirty = "";
        }
      });
    };
    const save = async (p: string, content: string) => {
      error.textContent = "";
      try {
        const written = await s.client.mutation(api.files.write, { projectId, path: p, content });
        lastHash = written.hash;
        editor.dataset.dirty = "";
        status.textContent = `${p} saved`;
      } catch (err) {
        error.textContent = messageOf(err);
      }
    };
    editor.addEventListener("input", () => (editor.dataset.dirty = "1"));

    root.replaceChildren(
      h("h2", {}, `Files of ${projectName}`),
      tree,
      h(
        "form",
        {
          className: "row",
          onsubmit: (e: Event) => {
            e.preventDefault();
            const p = path.value.trim();
            if (!p) return;
            void save(p, "").then(() => openFile(p));
            path.value = "";
          },
        },
        path,
        h("button", { testid: "new-file" }, "New file"),
      ),
      h(
        "div",
        { className: "row" },
        status,
        h("button", { testid: "save", onclick: () => open && void save(open, editor.value) }, "Save"),
      ),
      editor,
      error,
    );
    stopList = s.client.onUpdate(
      api.files.list,
      { projectId, paginationOpts: { numItems: 100, cursor: null } },
      (r) => {
        tree.replaceChildren(
          ...r.page.map((f) =>
            h(
              "li",
              { className: `item${f.path === open ? " active" : ""}`, testid: "file", onclick: () => openFile(f.path) },
              `${f.path} `,
              h("span", { className: "muted" }, `${f.size} B`),
            ),
          ),
        );
      },
    );
  };
}
