// What every panel shares: the signed-in user's token, the official Convex browser client
// (live queries over the sync WebSocket) and authenticated calls to the edge (same origin).
import { ConvexClient } from "convex/browser";

export type Session = {
  client: ConvexClient;
  token: string;
  /** fetch() to the edge with `Authorization: Bearer <token>`. */
  edge(path: string, init?: RequestInit): Promise<Response>;
};

/** CONVEX_URL: `?convex=<url>` wins (point the page at any deployment), else what the edge put in the page. */
export function convexUrl(): string {
  const fromQuery = new URLSearchParams(location.search).get("convex");
  const fromMeta = document.querySelector<HTMLMetaElement>('meta[name="convex-url"]')?.content;
  const url = fromQuery || fromMeta;
  if (!url || url.startsWith("%"))
    throw new Error("No Convex URL: open the page with ?convex=https://<deployment>.convex.cloud");
  return url;
}

export function startSession(token: string, onAuth: (ok: boolean) => void): Session {
  const client = new ConvexClient(convexUrl());
  client.setAuth(async () => token, onAuth);
  return {
    client,
    token,
    edge: (path, init = {}) =>
      fetch(path, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` },
      }),
  };
}
