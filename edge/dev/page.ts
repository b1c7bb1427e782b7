// The reference IDE page (web/), served by the edge in development only: createApp mounts
// these routes only when the config is not production, so in production `/` is a 404. The
// page is bundled on first request with esbuild (a development dependency, loaded
// dynamically so a production bundle never contains it).
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../context.js";

type PageBundle = { html: string; js: string; css: string };

// A variable specifier: bundlers (Vercel's included) do not follow it into scripts/.
const BUNDLER = new URL("../../scripts/buildPage.ts", import.meta.url).href;
let bundle: Promise<PageBundle> | undefined;
function page(): Promise<PageBundle> {
  bundle ??= (import(BUNDLER) as Promise<{ bundlePage(): Promise<PageBundle> }>).then((m) => m.bundlePage());
  bundle.catch(() => (bundle = undefined)); // a failed build is retried on the next request
  return bundle;
}

/**
 * The deployment's client URL (CONVEX_URL) from its HTTP actions URL, as the Convex CLI pairs
 * them: `<name>.convex.site` ↔ `<name>.convex.cloud`; a local backend's site is on port + 1.
 */
export function convexUrlFromSite(siteUrl: string): string | undefined {
  if (!siteUrl) return undefined;
  const u = new URL(siteUrl);
  if (u.hostname.endsWith(".convex.site"))
    return `${u.protocol}//${u.hostname.replace(/\.convex\.site$/, ".convex.cloud")}`;
  if (u.port) return `${u.protocol}//${u.hostname}:${Number(u.port) - 1}`;
  return undefined;
}

// The page talks to the edge (same origin) and to Convex (HTTPS and its WebSocket). Set here,
// the app-wide secureHeaders (overwrite: false) keeps it instead of its JSON-only policy.
const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    connectSrc: ["'self'", "http:", "https:", "ws:", "wss:"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    frameAncestors: ["'none'"],
  },
});
const escapeAttr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

export const devPageRoutes = new Hono<AppEnv>()
  .use("/", pageHeaders)
  .get("/", async (c) => {
    const convexUrl = convexUrlFromSite(c.var.deps.config.convexSiteUrl) ?? "";
    c.header("Cache-Control", "no-store");
    return c.html((await page()).html.replace("%CONVEX_URL%", escapeAttr(convexUrl)));
  })
  .get("/dev/page/app.js", async (c) => {
    c.header("Content-Type", "text/javascript; charset=utf-8");
    return c.body((await page()).js);
  })
  .get("/dev/page/app.css", async (c) => {
    c.header("Content-Type", "text/css; charset=utf-8");
    return c.body((await page()).css);
  });
