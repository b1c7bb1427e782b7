// The sync protocol's wire types, taken from the `convex` package itself
// (node_modules/convex/src/browser/sync/protocol.ts; its declarations are not exported, so
// they are imported by path). Timestamps travel as base64 of a little-endian u64.
import type {
  encodeClientMessage,
  parseServerMessage,
} from "../../node_modules/convex/dist/esm-types/browser/sync/protocol.js";

/** What a client sends (JSON). */
export type EncodedClientMessage = ReturnType<typeof encodeClientMessage>;
/** What the server sends (JSON). */
export type EncodedServerMessage = Parameters<typeof parseServerMessage>[0];
export type EncodedTransition = Extract<EncodedServerMessage, { type: "Transition" }>;
export type EncodedModification = EncodedTransition["modifications"][number];
export type VersionNumbers = { querySet: number; ts: bigint; identity: number };

export function encodeTs(ts: bigint): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(ts);
  return b.toString("base64");
}

export function encodeVersion(v: VersionNumbers): EncodedTransition["startVersion"] {
  return { querySet: v.querySet, identity: v.identity, ts: encodeTs(v.ts) };
}
