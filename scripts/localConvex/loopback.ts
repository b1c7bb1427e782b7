// A fetch handler on @hono/node-server at 127.0.0.1, for servers that share a process with
// convex-test. `overrideGlobalObjects: false` keeps node-server from replacing the global
// Request/Response convex-test uses; each request is then rebuilt as a real global Request,
// because node-server's lightweight request is not one, and middleware that re-wraps the
// request (hono's bodyLimit: `new Request(c.req.raw, …)`) would otherwise fail with a 500.
import { serve } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

type Handler = (req: Request) => Response | Promise<Response>;

export function asGlobalRequest(req: Request): Request {
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body: hasBody ? req.body : undefined,
    signal: req.signal,
    ...(hasBody ? { duplex: "half" } : {}),
  } as RequestInit);
}

export async function serveLoopback(
  handler: Handler,
  port = 0,
): Promise<{ server: Server; url: string; port: number }> {
  const server = serve({
    fetch: (req: Request) => handler(asGlobalRequest(req)),
    hostname: "127.0.0.1",
    port,
    overrideGlobalObjects: false,
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once("listening", resolve).once("error", reject);
  });
  const actual = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${actual}`, port: actual };
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}
