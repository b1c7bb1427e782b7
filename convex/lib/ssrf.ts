// Where outbound notifications may go. A user-supplied URL must not let a request reach our
// own network: loopback, private, link-local (cloud metadata at 169.254.169.254), carrier-grade
// NAT, multicast and reserved ranges are refused, as are names that mean "this host" or an
// internal zone. The WHATWG URL parser has already turned 0x7f000001 or 127.1 into 127.0.0.1.
// Convex's runtime has no DNS API, so a public name that RESOLVES to a private address is not
// caught here (docs/notifications.md says so); redirects are never followed (senders use
// `redirect: "manual"`), so a public host cannot bounce a delivery inward.
import ipaddr from "ipaddr.js";

export type TargetPolicy = {
  /** Production refuses plain http. */
  production: boolean;
  /** Development only: lets http://127.0.0.1:<port> through, for the local fakes. */
  allowLoopback: boolean;
};

export type TargetVerdict = { ok: true; url: URL } | { ok: false; reason: string };

const PUBLIC_RANGES = new Set(["unicast"]);
const BLOCKED_NAMES = [/^localhost$/, /\.localhost$/, /\.local$/, /\.internal$/, /^metadata$/, /\.home\.arpa$/];

function addressVerdict(host: string, policy: TargetPolicy): string | undefined {
  let addr = ipaddr.parse(host);
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress())
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  const range = addr.range();
  if (range === "loopback" && policy.allowLoopback && addr.toString() === "127.0.0.1") return undefined;
  if (!PUBLIC_RANGES.has(range)) return `${host} is a ${range} address`;
  return undefined;
}

/** Checks a notification target URL against the policy (no network access). */
export function checkTarget(raw: string, policy: TargetPolicy): TargetVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not a valid URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "URLs with credentials are not accepted" };
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const loopbackDev = policy.allowLoopback && host === "127.0.0.1";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && (!policy.production || loopbackDev))) {
    return { ok: false, reason: policy.production ? "only https URLs are accepted" : "only http(s) URLs are accepted" };
  }
  if (ipaddr.isValid(host)) {
    const refused = addressVerdict(host, policy);
    return refused ? { ok: false, reason: refused } : { ok: true, url };
  }
  if (BLOCKED_NAMES.some((re) => re.test(host)) || !host.includes(".")) {
    return { ok: false, reason: `${host} is an internal host name` };
  }
  return { ok: true, url };
}
