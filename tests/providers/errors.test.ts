// Failure classification, the same for every provider: 5xx, 429 (with Retry-After), a
// stalled request and a cut connection are transient; other 4xx are permanent and carry
// the provider's own message.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseRetryAfter } from "../../convex/providers/http";
import { providerClient } from "../../convex/providers/index";
import type { DeployProviderClient, Provider } from "../../convex/providers/types";
import { startProviderFakes, type ProviderFakes } from "../fakes/providers";
import { providerError } from "./helpers";

let fakes: ProviderFakes;
const clients = {} as Record<Provider, DeployProviderClient>;

beforeAll(async () => {
  fakes = await startProviderFakes();
  for (const name of ["vercel", "netlify", "railway"] as const) {
    clients[name] = providerClient(name, { token: fakes[name].token, baseUrl: fakes[name].baseUrl, timeoutMs: 300 });
  }
});
afterAll(async () => {
  await fakes.close();
});

describe.each(["vercel", "netlify", "railway"] as const)("%s failures", (name) => {
  const call = () => clients[name].getDeployment("some-id");

  test("503 is transient, with the provider's message", async () => {
    fakes[name].fail("5xx", { message: "Upstream is having a moment" });
    const err = await providerError(call());
    expect(err).toMatchObject({ provider: name, status: 503, transient: true, message: "Upstream is having a moment" });
  });

  test("429 is transient and Retry-After becomes retryAfterMs", async () => {
    fakes[name].fail("429", { retryAfterSec: 7 });
    const err = await providerError(call());
    expect(err).toMatchObject({ status: 429, transient: true, retryAfterMs: 7_000 });
  });

  test("a request that never answers times out as transient", async () => {
    fakes[name].fail("stall");
    const err = await providerError(call());
    expect(err.transient).toBe(true);
    expect(err.status).toBeUndefined();
    expect(err.message).toMatch(/timed out after 300 ms/);
  });

  test("a cut connection is transient", async () => {
    fakes[name].fail("reset");
    const err = await providerError(call());
    expect(err).toMatchObject({ transient: true, status: undefined });
  });

  test("400 is permanent, with the provider's message", async () => {
    fakes[name].fail("400", { message: "Project name contains invalid characters" });
    const err = await providerError(call());
    expect(err).toMatchObject({ status: 400, transient: false, message: "Project name contains invalid characters" });
  });

  test("a token an HTTP header cannot carry is a permanent local error, and nothing is sent", async () => {
    for (const token of ["token-\u0100-abcdef", "token-\u007f-abcdef", "token-\u0000-abcdef"]) {
      const unsendable = providerClient(name, { token, baseUrl: fakes[name].baseUrl, timeoutMs: 300 });
      const before = fakes[name].requests.length;
      const err = await providerError(unsendable.getDeployment("some-id"));
      expect(err).toMatchObject({ provider: name, status: undefined, transient: false });
      expect(err.message).toMatch(/token holds characters an HTTP header cannot carry/);
      expect(fakes[name].requests.length).toBe(before);
    }
  });

  test("a 200 answer we cannot read is transient and says only that it was not understood", async () => {
    for (const text of [
      "",
      "null",
      "[]",
      "not json",
      '{"id":5}',
      '{"data":{"deployment":null}}',
      '{"errors":[null]}',
    ]) {
      fakes[name].answer(text);
      const err = await providerError(call());
      expect(err).toMatchObject({ provider: name, status: undefined, transient: true });
      expect(err.message).toMatch(/^(Vercel|Netlify|Railway)'s answer( to the status check)? was not understood$/);
    }
  });

  test("the first failure of a deploy surfaces; nothing is retried inside the client", async () => {
    fakes[name].fail("5xx", { times: 1 });
    const before = fakes[name].requests.length;
    await providerError(clients[name].createDeployment({ name: "retry-me", environment: "preview", files: [] }));
    expect(fakes[name].requests.length - before).toBe(1);
  });
});

describe("answers of the wrong shape", () => {
  test("Netlify's `required` as a string is not understood (transient), not a file it never got", async () => {
    const target = await clients.netlify.ensureTarget!({ name: "shapes", environment: "preview" });
    fakes.netlify.answer('{"id":"dep_x","state":"prepared","required":"abc"}', {
      match: /^POST \/api\/v1\/sites\/[^/]+\/deploys$/,
    });
    const err = await providerError(
      clients.netlify.createDeployment({ target, name: "shapes", environment: "preview", files: [] }),
    );
    expect(err).toMatchObject({ transient: true, message: "Netlify's answer to the deploy was not understood" });
  });

  test("Vercel log events that are not events are skipped; a list that is not a list is not understood", async () => {
    fakes.vercel.answer('[null, 7, {"type":"stdout","created":5,"payload":{"id":9,"text":"kept","date":"x"}}]');
    expect(await clients.vercel.getLogs("dpl_x")).toEqual([{ id: "5:0", at: 5, level: "info", text: "kept" }]);
    fakes.vercel.answer('{"events":[]}');
    expect(await providerError(clients.vercel.getLogs("dpl_x"))).toMatchObject({
      transient: true,
      message: "Vercel's answer to the log request was not understood",
    });
  });

  test("a Railway project created without environments is not understood", async () => {
    fakes.railway.answer('{"data":{"projectCreate":{"id":"p1","environments":null}}}');
    const err = await providerError(clients.railway.ensureTarget!({ name: "shapes", environment: "production" }));
    expect(err).toMatchObject({
      transient: true,
      message: "Railway's answer to the project creation was not understood",
    });
  });
});

describe("Railway GraphQL errors (HTTP 200)", () => {
  test("transient only where the error says so", async () => {
    fakes.railway.failGraphql("Rate limit exceeded. Please try again later", "RATE_LIMITED");
    expect(await providerError(clients.railway.getDeployment("x"))).toMatchObject({
      transient: true,
      message: "Rate limit exceeded. Please try again later",
    });

    fakes.railway.failGraphql("Something went wrong", "INTERNAL_SERVER_ERROR");
    expect(await providerError(clients.railway.getDeployment("x"))).toMatchObject({
      transient: false,
      message: "Something went wrong",
    });

    expect(await providerError(clients.railway.getDeployment("unknown"))).toMatchObject({
      transient: false,
      message: "Deployment not found",
    });
  });

  test("a wrong token is permanent", async () => {
    const bad = providerClient("railway", { token: "nope", baseUrl: fakes.railway.baseUrl });
    expect(await providerError(bad.getDeployment("x"))).toMatchObject({ transient: false, message: "Not Authorized" });
  });
});

describe("parseRetryAfter", () => {
  const h = (o: Record<string, string>) => new Headers(o);
  const now = Date.parse("2030-01-01T00:00:00Z");

  test("seconds, HTTP date, X-RateLimit-Reset, nothing", () => {
    expect(parseRetryAfter(h({ "retry-after": "12" }), now)).toBe(12_000);
    expect(parseRetryAfter(h({ "retry-after": "1.5" }), now)).toBe(1_500);
    expect(parseRetryAfter(h({ "retry-after": "Tue, 01 Jan 2030 00:00:30 GMT" }), now)).toBe(30_000);
    expect(parseRetryAfter(h({ "x-ratelimit-reset": String(now / 1000 + 45) }), now)).toBe(45_000);
    expect(parseRetryAfter(h({}), now)).toBeUndefined();
    expect(parseRetryAfter(h({ "retry-after": "soon" }), now)).toBeUndefined();
  });
});
