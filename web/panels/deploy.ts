// Deployments: request one (deployments.request), then follow it live: deployments.get for
// the status (queued → building → ready), deployments.logs for its lines.
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { h, messageOf } from "../dom";
import type { Session } from "../session";

export function deployPanel(root: HTMLElement, s: Session) {
  let stop: (() => void)[] = [];
  const follow = (deploymentId: Id<"deployments">, status: HTMLElement, url: HTMLElement, logs: HTMLElement) => {
    stop.forEach((f) => f());
    stop = [
      s.client.onUpdate(api.deployments.get, { deploymentId }, (d) => {
        status.textContent = d.status;
        url.textContent = d.url ?? "";
      }),
      s.client.onUpdate(
        api.deployments.logs,
        { deploymentId, paginationOpts: { numItems: 200, cursor: null } },
        (r) => {
          logs.replaceChildren(...r.page.map((l) => h("div", {}, l.text)));
          logs.scrollTop = logs.scrollHeight;
        },
      ),
    ];
  };
  return function show(projectId: Id<"projects">) {
    stop.forEach((f) => f());
    const status = h("span", { className: "status", testid: "deploy-status" }, "—");
    const url = h("span", { className: "muted", testid: "deploy-url" });
    const logs = h("div", { className: "logs", testid: "deploy-logs" });
    const provider = h(
      "select",
      { testid: "deploy-provider" },
      ...["vercel", "netlify", "railway"].map((p) => h("option", { value: p }, p)),
    );
    const error = h("p", { className: "error" });
    const deploy = async () => {
      error.textContent = "";
      try {
        const id = await s.client.mutation(api.deployments.request, {
          projectId,
          provider: provider.value as "vercel",
          environment: "preview",
        });
        follow(id, status, url, logs);
      } catch (err) {
        error.textContent = messageOf(err);
      }
    };
    root.replaceChildren(
      h("h3", {}, "Deployment"),
      h(
        "div",
        { className: "row" },
        provider,
        h("button", { testid: "deploy", onclick: () => void deploy() }, "Deploy preview"),
      ),
      h("div", {}, "Status: ", status, " ", url),
      logs,
      error,
    );
  };
}
