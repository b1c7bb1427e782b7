// Client mistakes in the shape of a request (not its fields): a clear 400 in the envelope
// that names the real problem, and nothing reaches Convex.
import { expect, test } from "vitest";
import { bearer, edgeApp } from "./helpers";

test("an AI body sent without a JSON Content-Type is refused as such, not blamed on a field it has", async () => {
  const h = await edgeApp();
  const token = await h.token("user_mistakes");
  const body = JSON.stringify({ prompt: "a todo app" });
  const types: Record<string, string>[] = [
    {},
    { "Content-Type": "text/plain" },
    { "Content-Type": "application/x-www-form-urlencoded" },
  ];
  for (const headers of types) {
    const res = await h.app.request("/api/ai/generate", {
      method: "POST",
      body,
      headers: { ...bearer(token), ...headers },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toEqual({
      code: "INVALID",
      field: "body",
      message: "body: must be JSON sent with Content-Type: application/json",
    });
  }
  // A JSON type with parameters or a +json suffix is JSON: the fields are checked as usual.
  for (const type of ["application/json; charset=utf-8", "application/vnd.autocrea+json"]) {
    const res = await h.app.request("/api/ai/generate", {
      method: "POST",
      body: "{}",
      headers: { ...bearer(token), "Content-Type": type },
    });
    expect((await res.json()).error).toMatchObject({ code: "INVALID", field: "prompt" });
  }
  expect(h.seamRequests).toEqual([]);
});
