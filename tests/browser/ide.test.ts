// The reference IDE page (web/) in real headless Chromium against the stack: development
// sign-in, projects, files live across two tabs, a deployment's status pushed live, the
// usage chart after an AI request, the build agent's change set live with Apply. On failure, screenshots land in tests/browser/artifacts/.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { mockClaudeReply } from "../fakes/mockClaude";
import { stackForFile } from "../stackForFile";
import { browserForFile } from "./chromium";

process.env.PROVIDER_TOKEN_KEY ??= randomBytes(32).toString("base64");
const stack = stackForFile({ devSignIn: true });
const browser = browserForFile();

async function signIn(page: Page, id: string) {
  await page.fill('input[name="id"]', id);
  await page.fill('input[name="email"]', `${id}@autocrea.dev`);
  await page.click('#sign-in-form button[type="submit"]');
  await page.getByTestId("who").getByText(`${id}@autocrea.dev`).waitFor();
}

async function createProject(page: Page, name: string) {
  await page.getByTestId("project-name").fill(name);
  await page.getByTestId("project-create").click();
  await page.getByTestId("project").getByText(name).waitFor();
}

describe("the reference IDE page", () => {
  test("sign in, create a project, write a file: a second tab sees it without reload", async () => {
    const first = await browser.open(stack.pageUrl);
    await signIn(first, "user_page_ada");
    await createProject(first, "Live shop");

    const second = await browser.open(stack.pageUrl);
    await signIn(second, "user_page_ada");
    await second.getByTestId("project").getByText("Live shop").click();
    await expect.poll(() => second.getByTestId("file").count()).toBe(0);

    await first.getByTestId("new-file-path").fill("index.html");
    await first.getByTestId("new-file").click();
    await first.getByTestId("editor").fill("<h1>Hello</h1>");
    await first.getByTestId("save").click();
    await first.getByTestId("editor-status").getByText("index.html saved").waitFor();

    await second.getByTestId("file").getByText("index.html").waitFor();
    await second.getByTestId("file").getByText("index.html").click();
    await expect.poll(() => second.getByTestId("editor").inputValue()).toBe("<h1>Hello</h1>");
  });

  test("a deployment's status goes queued → building → ready live, with its logs", async () => {
    const page = await browser.open(stack.pageUrl);
    await signIn(page, "user_page_deploy");
    await createProject(page, "Deploy me");
    await page.getByTestId("project").getByText("Deploy me").click();
    await page.getByTestId("new-file-path").fill("index.html");
    await page.getByTestId("new-file").click();
    await page.getByTestId("file").getByText("index.html").waitFor();

    const status = page.getByTestId("deploy-status");
    await page.getByTestId("deploy").click();
    await status.getByText("queued").waitFor();
    await stack.advance(1_000); // the job starts the build at the provider fake
    await status.getByText("building").waitFor();
    await stack.advance(60_000); // the fake's build finishes; the poll sees it
    await status.getByText("ready").waitFor();
    await expect.poll(() => page.getByTestId("deploy-logs").textContent()).toMatch(/\S/);
    // The inbox badge counts the "deployment ready" notification.
    await expect.poll(() => page.getByTestId("unread").textContent()).toMatch(/^[1-9]/);
  });

  test("the usage chart updates after a streamed AI answer", async () => {
    const page = await browser.open(stack.pageUrl);
    await signIn(page, "user_page_ai");
    await createProject(page, "Ask me");
    await page.getByTestId("project").getByText("Ask me").click();
    const totals = page.getByTestId("usage-totals");
    await expect.poll(() => totals.getAttribute("data-tokens")).toBe("0");

    await page.getByTestId("ai-prompt").fill("Say hello");
    await page.getByTestId("ai-ask").click();
    await page.getByTestId("ai-meta").getByText(/^done/).waitFor();
    expect(await page.getByTestId("ai-answer").textContent()).not.toBe("");
    await expect.poll(() => totals.getAttribute("data-tokens").then(Number)).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('[data-testid="usage-chart"] rect[data-value]:not([data-value="0"])').count())
      .toBeGreaterThan(0);
  });

  test("a build's change set appears live with per-file diffs; Apply puts its files in the files panel", async () => {
    stack.fakes.anthropic.configure({ reply: mockClaudeReply }); // the fake Claude writes a small Vite + React app
    const page = await browser.open(stack.pageUrl);
    await signIn(page, "user_page_build");
    await createProject(page, "Build me");
    await page.getByTestId("project").getByText("Build me").click();
    await expect.poll(() => page.getByTestId("file").count()).toBe(0);

    await page.getByTestId("ai-prompt").fill("a counter app");
    await page.getByTestId("ai-build").click();
    await page
      .getByTestId("ai-meta")
      .getByText(/^done · change set proposed/)
      .waitFor();
    const files = page.getByTestId("change-set-file");
    await expect.poll(() => files.count()).toBe(4);
    await page.getByTestId("change-set-status").getByText("proposed").waitFor();
    const app = page.locator(
      '[data-testid="change-set-file"][data-path="src/App.tsx"] [data-testid="change-set-diff"]',
    );
    await expect.poll(() => app.textContent()).toMatch(/^\+.*<h1>/m);
    expect(await page.getByTestId("file").count()).toBe(0); // nothing touches the project before Apply

    await page.getByTestId("change-set-apply").click();
    await page.getByTestId("change-set-status").getByText("applied").waitFor();
    await expect
      .poll(() => page.getByTestId("file").allTextContents())
      .toEqual(
        expect.arrayContaining([expect.stringMatching(/^src\/App\.tsx /), expect.stringMatching(/^package\.json /)]),
      );
    expect(await page.getByTestId("change-set-apply").isDisabled()).toBe(true);

    // The README's picture of the page: rewritten only on request (UPDATE_SCREENSHOT=1).
    if (process.env.UPDATE_SCREENSHOT === "1") {
      await page.getByTestId("file").getByText("src/App.tsx").click();
      await expect.poll(() => page.getByTestId("editor").inputValue()).toMatch(/<h1>/);
      await page.screenshot({
        path: fileURLToPath(new URL("../../docs/ide-page.png", import.meta.url)),
        fullPage: true,
      });
    }
  });
});
