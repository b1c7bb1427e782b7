import { afterEach, describe, expect, test } from "vitest";
import { parseRetryAfter, retryDelay, MAX_RETRY_WAIT_MS } from "../../convex/lib/notificationSend";
import { checkTarget } from "../../convex/lib/ssrf";

const prod = { production: true, allowLoopback: false };
const dev = { production: false, allowLoopback: true };

describe("checkTarget (the SSRF guard)", () => {
  test.each([
    ["https://127.0.0.1/x", "loopback"],
    ["https://127.1/x", "loopback"], // the URL parser widens short forms
    ["https://0x7f000001/x", "loopback"],
    ["https://[::1]/x", "loopback"],
    ["https://[::ffff:127.0.0.1]/x", "loopback"],
    ["https://10.0.0.5/x", "private"],
    ["https://172.16.3.4/x", "private"],
    ["https://192.168.1.1/x", "private"],
    ["https://[fd00::1]/x", "uniqueLocal"],
    ["https://169.254.169.254/latest/meta-data", "linkLocal"],
    ["https://[fe80::1]/x", "linkLocal"],
    ["https://100.64.0.1/x", "carrierGradeNat"],
    ["https://0.0.0.0/x", "unspecified"],
    ["https://224.0.0.1/x", "multicast"],
  ])("%s is refused (%s)", (url, range) => {
    const verdict = checkTarget(url, prod);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toContain(range);
  });

  test.each([
    "https://localhost/x",
    "https://api.localhost/x",
    "https://metadata.google.internal/x",
    "https://printer.local/x",
    "https://intranet/x",
  ])("internal host name %s is refused", (url) => {
    expect(checkTarget(url, prod)).toMatchObject({ ok: false });
  });

  test("production accepts public https only", () => {
    expect(checkTarget("https://hooks.example.com/a?b=1", prod)).toMatchObject({ ok: true });
    expect(checkTarget("https://93.184.216.34/hook", prod)).toMatchObject({ ok: true });
    expect(checkTarget("http://hooks.example.com/a", prod)).toEqual({
      ok: false,
      reason: "only https URLs are accepted",
    });
    expect(checkTarget("ftp://hooks.example.com/a", prod)).toMatchObject({ ok: false });
    expect(checkTarget("https://user:pw@hooks.example.com/a", prod)).toMatchObject({ ok: false });
    expect(checkTarget("not a url", prod)).toMatchObject({ ok: false });
  });

  test("the development flag lets http://127.0.0.1 through, nothing else", () => {
    expect(checkTarget("http://127.0.0.1:4321/hook", dev)).toMatchObject({ ok: true });
    expect(checkTarget("http://127.0.0.2:4321/hook", dev)).toMatchObject({ ok: false });
    expect(checkTarget("http://10.0.0.1/hook", dev)).toMatchObject({ ok: false });
    expect(checkTarget("http://localhost:4321/hook", dev)).toMatchObject({ ok: false });
    expect(checkTarget("http://127.0.0.1:4321/hook", { production: false, allowLoopback: false })).toMatchObject({
      ok: false,
    });
  });
});

describe("retry policy", () => {
  test("exponential backoff with jitter, at least Retry-After, at most an hour", () => {
    expect(retryDelay(2, undefined, 0)).toBe(1_000);
    expect(retryDelay(2, undefined, 0.999)).toBeLessThan(3_000);
    expect(retryDelay(3, undefined, 0.5)).toBe(8_000);
    expect(retryDelay(4, undefined, 0.5)).toBe(32_000);
    expect(retryDelay(2, 90_000, 0.5)).toBe(90_000);
    expect(retryDelay(2, 10 * MAX_RETRY_WAIT_MS, 0.5)).toBe(MAX_RETRY_WAIT_MS);
    expect(retryDelay(30, undefined, 0.5)).toBe(MAX_RETRY_WAIT_MS);
  });

  test("Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("the policy comes from the environment", () => {
  const saved = { AUTOCREA_ENV: process.env.AUTOCREA_ENV, NOTIFY_ALLOW_LOOPBACK: process.env.NOTIFY_ALLOW_LOOPBACK };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  test("production ignores the development flag", async () => {
    const { notifyConfig } = await import("../../convex/lib/notificationSend");
    process.env.NOTIFY_ALLOW_LOOPBACK = "1";
    process.env.AUTOCREA_ENV = "production";
    expect(notifyConfig().policy).toEqual({ production: true, allowLoopback: false });
    process.env.AUTOCREA_ENV = "development";
    expect(notifyConfig().policy).toEqual({ production: false, allowLoopback: true });
  });
});
