// One client's sync WebSocket (`/api/<version>/sync`), as a Convex deployment serves it to
// ConvexClient / ConvexReactClient: Connect, Authenticate, ModifyQuerySet, Mutation, Action,
// Event; answered with Transition (QueryUpdated / QueryFailed / QueryRemoved),
// MutationResponse, ActionResponse, AuthError, FatalError and Ping. Every change of this
// session's state goes through one queue, so each Transition starts where the previous ended.
import type { WebSocket } from "ws";
import type { JSONValue } from "convex/values";
import { jsonToConvex } from "convex/values";
import { RequestRefused, type FunctionResolver, type ResolvedFunction } from "./functions";
import {
  encodeTs,
  encodeVersion,
  type EncodedClientMessage,
  type EncodedModification,
  type EncodedServerMessage,
  type VersionNumbers,
} from "./protocol";
import type { Identity, Outcome } from "./run";

export type Verified = { identity: Identity; expiresAt?: number };
/** What a deployment says when a session's token expired since it authenticated. */
export const TOKEN_EXPIRED = "Token expired";

export type SyncHub = {
  resolve: FunctionResolver;
  run(fn: ResolvedFunction, args: unknown, identity: Identity | null): Promise<Outcome>;
  /** The caller a user token names and when the token expires; throws with a message when it is bad or expired. */
  verify(token: string): Promise<Verified>;
  /** Records a write; returns its commit timestamp (every subscription is re-run after it). */
  wrote(): bigint;
  /** Resolves once subscriptions are re-run for every write recorded so far. */
  settled(): Promise<void>;
  currentTs(): bigint;
};

type Subscription = { udfPath: string; args: JSONValue; fn?: ResolvedFunction; last?: string };

export class SyncSession {
  private version: VersionNumbers = { querySet: 0, ts: 0n, identity: 0 };
  private identity: Identity | null = null;
  private expiresAt = Infinity;
  private readonly queries = new Map<number, Subscription>();
  private queue: Promise<void> = Promise.resolve();
  /** Highest commit this client was told about in a MutationResponse: a Transition must reach it. */
  private owedTs = 0n;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly hub: SyncHub,
  ) {}

  get subscriptionCount(): number {
    return this.queries.size;
  }

  close(): void {
    this.closed = true;
  }

  private send(msg: EncodedServerMessage): void {
    if (!this.closed && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => {});
    return next;
  }

  private fatal(error: string): void {
    this.send({ type: "FatalError", error });
    this.ws.close(1011, error.slice(0, 120));
  }

  onMessage(raw: string): void {
    let msg: EncodedClientMessage;
    try {
      msg = JSON.parse(raw) as EncodedClientMessage;
    } catch {
      return this.fatal("Invalid message: not JSON");
    }
    switch (msg.type) {
      case "Connect":
        return; // each socket is a fresh session; maxObservedTimestamp needs no answer here
      case "Authenticate":
        void this.enqueue(() => this.authenticate(msg));
        return;
      case "ModifyQuerySet":
        void this.enqueue(() => this.modifyQuerySet(msg));
        return;
      case "Mutation":
        void this.enqueue(() => this.mutation(msg));
        return;
      case "Action":
        void this.action(msg); // actions run concurrently, as on a deployment
        return;
      case "Event":
        return; // client telemetry
      default:
        return this.fatal(`Unknown message type ${(msg as { type: string }).type}`);
    }
  }

  private async authenticate(msg: Extract<EncodedClientMessage, { type: "Authenticate" }>): Promise<void> {
    if (msg.baseVersion !== this.version.identity)
      return this.fatal(`Authenticate: base version ${msg.baseVersion} is not ${this.version.identity}`);
    let verified: Verified = { identity: null as unknown as Identity };
    if (msg.tokenType === "Admin") {
      this.send({
        type: "AuthError",
        error: "The local Convex accepts user tokens only (no admin keys).",
        baseVersion: msg.baseVersion,
        authUpdateAttempted: true,
      });
      return;
    }
    if (msg.tokenType === "User") {
      try {
        verified = await this.hub.verify(msg.value);
      } catch (err) {
        // As a deployment does: AuthError for this identity version; the client refetches or signs out.
        this.send({
          type: "AuthError",
          error: (err as Error).message,
          baseVersion: msg.baseVersion,
          authUpdateAttempted: true,
        });
        return;
      }
    }
    this.identity = msg.tokenType === "User" ? verified.identity : null;
    this.expiresAt = msg.tokenType === "User" ? (verified.expiresAt ?? Infinity) : Infinity;
    const start = { ...this.version };
    this.version.identity = msg.baseVersion + 1;
    // Results depend on the caller: re-run everything under the new identity.
    await this.pushTransition(start, await this.rerun([...this.queries.keys()], true));
  }

  private async modifyQuerySet(msg: Extract<EncodedClientMessage, { type: "ModifyQuerySet" }>): Promise<void> {
    if (msg.baseVersion !== this.version.querySet)
      return this.fatal(`ModifyQuerySet: base version ${msg.baseVersion} is not ${this.version.querySet}`);
    const start = { ...this.version };
    const added: number[] = [];
    const mods: EncodedModification[] = [];
    for (const m of msg.modifications) {
      if (m.type === "Add") {
        if (m.journal) {
          mods.push(
            failed(
              m.queryId,
              "The local Convex does not keep query journals (usePaginatedQuery page boundaries); see docs/local-convex.md.",
            ),
          );
          continue;
        }
        const sub: Subscription = { udfPath: m.udfPath, args: m.args[0] ?? {} };
        try {
          sub.fn = await this.hub.resolve(m.udfPath, "query", (m as { componentPath?: string }).componentPath); // @internal in the client's types
        } catch (err) {
          if (!(err instanceof RequestRefused)) throw err;
          this.queries.set(m.queryId, sub);
          mods.push(failed(m.queryId, err.message));
          continue;
        }
        this.queries.set(m.queryId, sub);
        added.push(m.queryId);
      } else {
        this.queries.delete(m.queryId);
        mods.push({ type: "QueryRemoved", queryId: m.queryId });
      }
    }
    this.version.querySet = msg.newVersion;
    await this.pushTransition(start, [...mods, ...(await this.rerun(added, true))]);
  }

  /**
   * As a deployment does once a session's token has expired: AuthError (not from an auth
   * update), so the client fetches a fresh token and authenticates again; nothing runs meanwhile.
   */
  private expired(): boolean {
    if (!this.identity || Date.now() < this.expiresAt) return false;
    this.identity = null;
    this.expiresAt = Infinity;
    this.send({
      type: "AuthError",
      error: TOKEN_EXPIRED,
      baseVersion: this.version.identity - 1,
      authUpdateAttempted: false,
    });
    return true;
  }

  private async mutation(msg: Extract<EncodedClientMessage, { type: "Mutation" }>): Promise<void> {
    if (this.expired()) return; // the client resends the mutation once it has authenticated again
    const outcome = await this.call(msg.udfPath, "mutation", msg.args, msg.componentPath);
    if (!outcome.ok) {
      this.send({
        type: "MutationResponse",
        requestId: msg.requestId,
        success: false,
        result: outcome.errorMessage,
        logLines: [],
        errorData: outcome.errorData,
      });
      return;
    }
    const ts = this.hub.wrote();
    if (ts > this.owedTs) this.owedTs = ts;
    this.send({
      type: "MutationResponse",
      requestId: msg.requestId,
      success: true,
      result: outcome.value,
      ts: encodeTs(ts),
      logLines: [],
    });
  }

  private async action(msg: Extract<EncodedClientMessage, { type: "Action" }>): Promise<void> {
    if (this.expired()) return;
    const outcome = await this.call(msg.udfPath, "action", msg.args, msg.componentPath);
    this.hub.wrote(); // an action may have run mutations
    if (outcome.ok)
      this.send({
        type: "ActionResponse",
        requestId: msg.requestId,
        success: true,
        result: outcome.value,
        logLines: [],
      });
    else
      this.send({
        type: "ActionResponse",
        requestId: msg.requestId,
        success: false,
        result: outcome.errorMessage,
        logLines: [],
        errorData: outcome.errorData,
      });
  }

  private async call(
    udfPath: string,
    kind: "mutation" | "action",
    args: JSONValue[],
    componentPath?: string,
  ): Promise<Outcome> {
    try {
      const fn = await this.hub.resolve(udfPath, kind, componentPath);
      return await this.hub.run(fn, jsonToConvex(args[0] ?? {}), this.identity);
    } catch (err) {
      if (err instanceof RequestRefused) return { ok: false, errorMessage: err.message };
      throw err;
    }
  }

  /** Re-runs subscriptions after a write at `ts`; pushes only results that changed. */
  refresh(ts: bigint): Promise<void> {
    return this.enqueue(async () => {
      if (ts <= this.version.ts || this.expired()) return;
      const start = { ...this.version };
      const mods = await this.rerun([...this.queries.keys()], false);
      this.version.ts = ts;
      if (mods.length || this.owedTs > start.ts) this.sendTransition(start, mods);
      else this.version.ts = start.ts; // nothing to say: the client stays at the version it has
    });
  }

  /** A Transition for a query-set or identity change: `ts` stays; the next refresh re-runs everything anyway. */
  private async pushTransition(start: VersionNumbers, mods: EncodedModification[]): Promise<void> {
    this.sendTransition(start, mods);
  }

  private sendTransition(start: VersionNumbers, mods: EncodedModification[]): void {
    this.send({
      type: "Transition",
      startVersion: encodeVersion(start),
      endVersion: encodeVersion(this.version),
      modifications: mods,
    });
  }

  private async rerun(ids: number[], always: boolean): Promise<EncodedModification[]> {
    const mods: EncodedModification[] = [];
    for (const queryId of ids) {
      const sub = this.queries.get(queryId);
      if (!sub?.fn) continue;
      const outcome = await this.hub.run(sub.fn, jsonToConvex(sub.args), this.identity);
      if (!this.queries.has(queryId)) continue; // removed meanwhile
      const key = JSON.stringify(outcome);
      if (!always && key === sub.last) continue;
      sub.last = key;
      mods.push(
        outcome.ok
          ? { type: "QueryUpdated", queryId, value: outcome.value, logLines: [], journal: null }
          : failed(queryId, outcome.errorMessage, outcome.errorData),
      );
    }
    return mods;
  }

  ping(): void {
    this.send({ type: "Ping" });
  }
}

/** A failed query; `errorData` only for a ConvexError (the client turns its presence into one). */
function failed(queryId: number, errorMessage: string, errorData?: JSONValue): EncodedModification {
  const mod: Omit<Extract<EncodedModification, { type: "QueryFailed" }>, "errorData"> = {
    type: "QueryFailed",
    queryId,
    errorMessage,
    logLines: [],
    journal: null,
  };
  return (errorData === undefined ? mod : { ...mod, errorData }) as EncodedModification;
}
