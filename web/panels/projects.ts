// Projects: a live list (projects.list) and a create form (projects.create).
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { h, messageOf } from "../dom";
import type { Session } from "../session";

export function projectsPanel(root: HTMLElement, s: Session, onSelect: (id: Id<"projects">, name: string) => void) {
  const list = h("ul", { testid: "project-list" });
  const name = h("input", { placeholder: "New project name", testid: "project-name" });
  const error = h("p", { className: "error" });
  let selected: string | undefined;
  const create = async (e: Event) => {
    e.preventDefault();
    error.textContent = "";
    try {
      const id = await s.client.mutation(api.projects.create, { name: name.value, framework: "static" });
      onSelect(id, name.value);
      selected = id;
      name.value = "";
    } catch (err) {
      error.textContent = messageOf(err);
    }
  };
  root.append(
    h("h2", {}, "Projects"),
    list,
    h("form", { className: "row", onsubmit: create }, name, h("button", { testid: "project-create" }, "Create")),
    error,
  );
  s.client.onUpdate(api.projects.list, { paginationOpts: { numItems: 50, cursor: null } }, (r) => {
    list.replaceChildren(
      ...r.page.map((p) =>
        h(
          "li",
          {
            className: `item${p._id === selected ? " active" : ""}`,
            testid: "project",
            onclick: () => {
              selected = p._id;
              onSelect(p._id, p.name);
            },
          },
          p.name,
        ),
      ),
    );
  });
}
