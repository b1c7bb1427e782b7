// A loopback HTTP server for provider fakes: records every request, lets a test make the
// next N requests fail on purpose, and hands the rest to the fake's own handler.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type RecordedRequest = {
  method: string;
  path: string; // pathname + search
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body's bytes (uploads are binary; `body` is its UTF-8 reading). */
  raw: Buffer;
  at: number;
};

/** Injected failures, consumed one per matching request. */
export type Fault =
  | { kind: "status"; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: "raw"; status: number; text: string } // exactly these bytes (an empty or malformed answer)
  | { kind: "stall" } // never answers (the client's timeout fires)
  | { kind: "reset" }; // destroys the socket

export type FakeHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export async function startFakeServer(name: string, handler: FakeHandler) {
  const requests: RecordedRequest[] = [];
  const faults: { match?: RegExp; fault: Fault }[] = [];
  const stalled = new Set<ServerResponse>();

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const rec: RecordedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: req.headers,
      body: raw.toString("utf8"),
      raw,
      at: Date.now(),
    };
    requests.push(rec);
    const i = faults.findIndex((f) => !f.match || f.match.test(`${rec.method} ${rec.path}`));
    if (i >= 0) {
      const [{ fault }] = faults.splice(i, 1);
      if (fault.kind === "stall") return void stalled.add(res);
      if (fault.kind === "reset") return void req.socket.destroy();
      if (fault.kind === "raw")
        return void res.writeHead(fault.status, { "content-type": "application/json" }).end(fault.text);
      res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      return void res.end(
        JSON.stringify(fault.body ?? { error: { message: `${name} fake: injected ${fault.status}` } }),
      );
    }
    try {
      await handler(rec, res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `${name} fake crashed: ${(err as Error).message}` } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    /** Makes the next request (optionally only one matching `match`, tested against "METHOD /path") fail. */
    failNext(fault: Fault, times = 1, match?: RegExp) {
      for (let i = 0; i < times; i++) faults.push({ match, fault });
    },
    clearFaults() {
      faults.length = 0;
    },
    async close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
export type FakeServer = Awaited<ReturnType<typeof startFakeServer>>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
