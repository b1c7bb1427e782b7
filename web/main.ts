// The reference IDE page: how a browser IDE uses this backend. Sign-in with a development
// token (POST /dev/sign-in on the edge), then live panels on the official Convex browser
// client and the edge's streamed AI route. See docs/local-convex.md.
import { byId, messageOf } from "./dom";
import { aiPanel } from "./panels/ai";
import { changeSetsPanel } from "./panels/changeSets";
import { deployPanel } from "./panels/deploy";
import { filesPanel } from "./panels/files";
import { inboxPanel } from "./panels/inbox";
import { projectsPanel } from "./panels/projects";
import { usagePanel } from "./panels/usage";
import { startSession } from "./session";

const TOKEN_KEY = "autocrea.token";

function start(token: string) {
  const error = byId("sign-in-error");
  let session: ReturnType<typeof startSession>;
  try {
    session = startSession(token, (ok) => {
      if (ok) return;
      sessionStorage.removeItem(TOKEN_KEY);
      error.textContent = "The token was refused: sign in again.";
      byId("sign-in").hidden = false;
      byId("ide").hidden = true;
    });
  } catch (err) {
    error.textContent = messageOf(err);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  byId("sign-in").hidden = true;
  byId("ide").hidden = false;
  const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))) as {
    sub: string;
    email?: string;
  };
  byId("who").textContent = claims.email ?? claims.sub;

  const showFiles = filesPanel(byId("files"), session);
  const showAi = aiPanel(byId("ai"), session);
  const showChangeSets = changeSetsPanel(byId("change-sets"), session);
  const showDeploy = deployPanel(byId("deploy"), session);
  projectsPanel(byId("projects"), session, (id, name) => {
    showFiles(id, name);
    showAi(id);
    showChangeSets(id);
    showDeploy(id);
  });
  usagePanel(byId("usage"), session);
  inboxPanel(byId("inbox"), session);
}

byId<HTMLFormElement>("sign-in-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target as HTMLFormElement);
  const body = { id: form.get("id"), email: form.get("email"), name: form.get("name") || undefined };
  const res = await fetch("/dev/sign-in", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { token?: string; error?: { message: string } };
  if (!res.ok || !json.token) {
    byId("sign-in-error").textContent = json.error?.message ?? `sign-in failed (${res.status})`;
    return;
  }
  start(json.token);
});
byId("token-use").addEventListener("click", () => start(byId<HTMLInputElement>("token-input").value.trim()));
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) start(saved);
