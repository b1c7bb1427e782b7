// CORS allows every request header the API reads and exposes every response header it sets:
// a browser IDE resuming a log stream sends Last-Event-ID, and tells a replayed deploy from a
// new one by Idempotent-Replayed.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { REQUEST_HEADERS, RESPONSE_HEADERS } from "../../edge/headers";
import { edgeApp, ORIGIN } from "./helpers";

const lower = (list: readonly string[]) => list.map((h) => h.toLowerCase());
const splitList = (value: string | null) =>
  lower(
    (value ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

// Headers a browser sends or reads without CORS permission, and ones it may not touch at all.
// X-Real-IP / X-Forwarded-For come from a trusted proxy in front of the edge, never from a browser.
const SAFELISTED_REQUEST = ["accept-language", "content-language", "origin", "x-real-ip", "x-forwarded-for"];
const SAFELISTED_RESPONSE = [
  "cache-control",
  "content-language",
  "content-length",
  "content-type",
  "expires",
  "last-modified",
  "pragma",
  "connection",
];

/** Header names the edge's own code reads from requests and writes to responses. */
function headersInSource() {
  const read = new Set<string>();
  const written = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "providers") walk(path); // providers/: headers sent to Vercel etc., not to browsers
      } else if (entry.name.endsWith(".ts")) {
        const src = readFileSync(path, "utf8");
        for (const m of src.matchAll(/c\.req\.header\("([\w-]+)"\)/g)) read.add(m[1].toLowerCase());
        for (const m of src.matchAll(/c\.header\("([\w-]+)"/g)) written.add(m[1].toLowerCase());
        for (const m of src.matchAll(/"((?:[A-Z][a-z]*-)+[A-Z][A-Za-z]*)": /g)) written.add(m[1].toLowerCase());
      }
    }
  };
  walk("edge");
  return { read, written };
}

describe("CORS header lists", () => {
  test("a preflight asking for every documented request header is allowed all of them", async () => {
    const { app } = await edgeApp();
    const res = await app.request("/api/deployments/x/logs", {
      method: "OPTIONS",
      headers: {
        Origin: ORIGIN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization,last-event-id,idempotency-key,content-type,x-request-id",
      },
    });
    expect(res.status).toBe(204);
    const allowed = splitList(res.headers.get("Access-Control-Allow-Headers"));
    for (const h of ["authorization", "last-event-id", "idempotency-key", "content-type", "accept", "x-request-id"])
      expect(allowed).toContain(h);
  });

  test("responses expose Idempotent-Replayed, Retry-After and X-Request-Id", async () => {
    const { app } = await edgeApp();
    const res = await app.request("/health", { headers: { Origin: ORIGIN } });
    const exposed = splitList(res.headers.get("Access-Control-Expose-Headers"));
    for (const h of ["idempotent-replayed", "retry-after", "x-request-id"]) expect(exposed).toContain(h);
  });

  test("every header a route reads or sets is in the declared lists (or needs no CORS permission)", () => {
    const { read, written } = headersInSource();
    expect(read.size).toBeGreaterThan(3); // the scan finds Authorization, Idempotency-Key, Last-Event-ID, ...
    const allowed = [...lower(REQUEST_HEADERS), ...SAFELISTED_REQUEST];
    const exposed = [...lower(RESPONSE_HEADERS), ...SAFELISTED_RESPONSE];
    expect([...read].filter((h) => !allowed.includes(h))).toEqual([]);
    expect([...written].filter((h) => !exposed.includes(h))).toEqual([]);
  });
});
