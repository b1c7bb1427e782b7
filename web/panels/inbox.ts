// Notifications: the unread badge (notifications.unreadCount) and the inbox
// (notifications.list), both live; "Mark all read" (notifications.markAllRead).
import { api } from "../../convex/_generated/api";
import { byId, h } from "../dom";
import type { Session } from "../session";

export function inboxPanel(root: HTMLElement, s: Session) {
  const badge = byId("unread");
  const list = h("ul", { testid: "inbox-list" });
  byId("inbox-toggle").addEventListener("click", () => (root.hidden = !root.hidden));
  root.append(
    h("h2", {}, "Notifications"),
    h(
      "button",
      { testid: "mark-all-read", onclick: () => void s.client.mutation(api.notifications.markAllRead, {}) },
      "Mark all read",
    ),
    list,
  );
  s.client.onUpdate(api.notifications.unreadCount, {}, (n) => {
    badge.hidden = n === 0;
    badge.textContent = n >= 100 ? "99+" : String(n);
  });
  s.client.onUpdate(api.notifications.list, { paginationOpts: { numItems: 30, cursor: null } }, (r) => {
    list.replaceChildren(
      ...r.page.map((n) =>
        h(
          "li",
          {
            className: `item${n.read ? "" : " unread"}`,
            testid: "notification",
            onclick: () => void s.client.mutation(api.notifications.markRead, { notificationId: n._id }),
          },
          h("div", {}, n.title),
          h("div", { className: "muted" }, n.message),
        ),
      ),
    );
  });
}
