// Real headless Chromium for the browser tests: Debian's `chromium` package driven by
// playwright-core (which downloads nothing). Missing Chromium fails loudly with the fix.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, type TestContext } from "vitest";

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];
/** Screenshots of every open page when a test fails (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));

export function chromiumPath(): string {
  const found = CANDIDATES.find((p): p is string => !!p && existsSync(p));
  if (!found) {
    throw new Error(
      "The browser tests need Chromium and none was found (looked for CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser). " +
        "Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu; .ci/run does this) or set CHROMIUM_PATH to a Chromium binary.",
    );
  }
  return found;
}

/** One browser per test file; `open()` gives a fresh tab (own sessionStorage) closed after the test. */
export function browserForFile() {
  let browser: Browser | undefined;
  let pages: Page[] = [];
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
  });
  afterEach(async (ctx: TestContext) => {
    if (ctx.task.result?.state === "fail") {
      mkdirSync(ARTIFACTS, { recursive: true });
      const name = ctx.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
      await Promise.all(
        pages.map((p, i) =>
          p.screenshot({ path: path.join(ARTIFACTS, `${name}-${i + 1}.png`), fullPage: true }).catch(() => {}),
        ),
      );
    }
    await Promise.all(pages.map((p) => p.context().close()));
    pages = [];
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async open(url: string): Promise<Page> {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      pages.push(page);
      await page.goto(url);
      return page;
    },
  };
}
