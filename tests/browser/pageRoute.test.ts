// The reference IDE page route: served in development with its own CSP and the Convex URL
// derived from CONVEX_SITE_URL; absent in production (404), whatever else is configured.
import { describe, expect, test } from "vitest";
import { convexUrlFromSite } from "../../edge/dev/page";
import { edgeApp } from "../edge/helpers";

describe("GET / (the reference IDE page)", () => {
  test("development: the page, pointing at the deployment's client URL, with a CSP that lets it run", async () => {
    const { app } = await edgeApp();
    const res = await app.request("/");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<meta name="convex-url" content="https://fake.convex.cloud" />');
    expect(res.headers.get("Content-Security-Policy")).toMatch(
      /default-src 'self'; connect-src 'self' http: https: ws: wss:/,
    );
    const js = await app.request("/dev/page/app.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("Content-Type")).toMatch(/javascript/);
    expect((await js.text()).length).toBeGreaterThan(10_000); // the bundled convex/browser client is in it
  });

  test("production: / and the bundle are 404, and JSON responses keep the strict CSP", async () => {
    const { app } = await edgeApp({ env: { NODE_ENV: "production" } });
    for (const path of ["/", "/dev/page/app.js", "/dev/page/app.css"]) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(res.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    }
  });

  test("the client URL is derived from the site URL as the Convex CLI pairs them", () => {
    expect(convexUrlFromSite("https://happy-otter-123.convex.site")).toBe("https://happy-otter-123.convex.cloud");
    expect(convexUrlFromSite("http://127.0.0.1:3211")).toBe("http://127.0.0.1:3210");
    expect(convexUrlFromSite("")).toBeUndefined();
  });
});
