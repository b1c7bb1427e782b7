// The edge↔Convex seam, declared once. Every call the edge (our Hono app) makes to Convex is
// a POST to one of these paths with `Authorization: Bearer EDGE_SECRET`, the verified caller
// in `X-User-Id` / `X-User-Profile`, and a JSON body that must match `body` here. Convex checks
// both before any handler runs (convex/edge/router.ts); the edge's seam client (edge/convex.ts)
// is typed by the same declarations, and its answers by the functions that produce them.
//
// This is the only module of convex/ the edge imports (type-only for the answers), and it
// re-exports the few shared facts the edge needs: error codes and service modes.
import type { FunctionReturnType } from "convex/server";
import { literals } from "convex-helpers/validators";
import { v, type Infer } from "convex/values";
import type { internal } from "../_generated/api";
import { ERROR_STATUS, type ErrorCode } from "../lib/errors.js";
import type { ConvexServiceModes, PaymentsHealth } from "../lib/mockServices.js";
import {
  vAiRequestType,
  vAiSettleStatus,
  vDayRange,
  vEnvironment,
  vErrorInfo,
  vProvider,
  vUsage,
} from "../validators.js";

export { ERROR_STATUS, isErrorCode, type ErrorCode } from "../lib/errors.js";
export {
  CONVEX_SERVICES,
  mockedServices,
  SERVICE_NAMES,
  SERVICE_VARS,
  serviceMode,
  unknownMockNames,
  type ConvexServiceModes,
  type PaymentsHealth,
  type ServiceMode,
  type ServiceModes,
  type ServiceName,
} from "../lib/mockServices.js";

export { PROVIDERS, type Caller } from "../validators.js";

/** The verified caller's "<iss>|<sub>". */
export const USER_HEADER = "X-User-Id";
/**
 * Set to "1" by the edge on a seam call that continues a request already counted against the
 * caller's API limit (settling an AI request, a build agent's next turn, a log stream's next
 * poll). Only the edge can send it: every seam call carries the edge's secret.
 */
export const FOLLOW_UP_HEADER = "X-Edge-Follow-Up";
/** The caller's profile claims: URI-encoded JSON `{ email?, name?, emailVerified? }` (names need not be ASCII). */
export const PROFILE_HEADER = "X-User-Profile";

/** The longest answer text `settle` keeps (the ledger row and the chat message). */
export const AI_RESPONSE_CHARS = 16_000;

/** A build turn that cannot go on: the client went away (`canceled`), or Claude's call failed. */
const vBuildTurnEnd = v.union(
  v.object({ status: v.literal("canceled") }),
  v.object({
    status: v.literal("failed"),
    error: v.object({
      code: literals(...(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]])),
      message: v.string(),
    }),
  }),
);

/** Request bodies of the calls made on behalf of a user. */
export const edgeCalls = {
  "/edge/me": v.object({}),
  "/edge/ai/begin": v.object({
    type: vAiRequestType,
    model: v.optional(v.string()),
    projectId: v.optional(v.string()),
    conversationId: v.optional(v.string()),
    prompt: v.string(),
    /** Characters the edge will send besides the chat history (system prompt and context included). */
    promptChars: v.number(),
    mock: v.optional(v.boolean()),
  }),
  /** Closes the ledger row `begin` opened, with the usage Claude reported. */
  "/edge/ai/settle": v.object({
    requestId: v.string(),
    status: vAiSettleStatus,
    usage: vUsage,
    response: v.optional(v.string()),
    latencyMs: v.number(),
    firstTokenMs: v.optional(v.number()),
    error: v.optional(vErrorInfo),
  }),
  "/edge/ai/models": v.object({}),
  "/edge/ai/usage": vDayRange,
  "/edge/deploy/request": v.object({
    projectId: v.string(),
    provider: vProvider,
    environment: vEnvironment,
    idempotencyKey: v.optional(v.string()),
  }),
  "/edge/deploy/get": v.object({ deploymentId: v.string() }),
  "/edge/deploy/cancel": v.object({ deploymentId: v.string() }),
  "/edge/deploy/logs": v.object({ deploymentId: v.string(), afterSeq: v.number(), limit: v.number() }),
  /** The build agent's ONE call before Claude's first byte: change set opened or continued, ledger row, context. */
  "/edge/ai/build/begin": v.object({
    projectId: v.string(),
    message: v.string(),
    changeSetId: v.optional(v.string()),
    conversationId: v.optional(v.string()),
    model: v.optional(v.string()),
    mock: v.optional(v.boolean()),
  }),
  /** ONE call per Claude turn of a build: usage settled, the turn's tool calls run, what comes next. Idempotent by requestId. */
  "/edge/ai/build/turn": v.object({
    requestId: v.string(),
    changeSetId: v.string(),
    usage: vUsage,
    latencyMs: v.number(),
    firstTokenMs: v.optional(v.number()),
    stopReason: v.union(v.string(), v.null()),
    /** Claude's text in this turn. */
    text: v.string(),
    /** Complete tool_use blocks only; `input` is Claude's parsed JSON, checked by the tool that runs it. */
    toolCalls: v.array(v.object({ id: v.string(), name: v.string(), input: v.optional(v.any()) })),
    end: v.optional(vBuildTurnEnd),
  }),
  /** One page of the admin's usage export of a month ("YYYY-MM"); `cursor` null for the first. Administrators only. */
  "/edge/admin/export": v.object({ period: v.string(), cursor: v.union(v.string(), v.null()) }),
} as const;

export type EdgePath = keyof typeof edgeCalls;
export type EdgeBody<P extends EdgePath> = Infer<(typeof edgeCalls)[P]>;

/** What each call answers: the return type of the function behind it. */
export type EdgeAnswers = {
  "/edge/me": FunctionReturnType<typeof internal.users.meForEdge>;
  "/edge/ai/begin": FunctionReturnType<typeof internal.ai.begin>;
  "/edge/ai/settle": FunctionReturnType<typeof internal.ai.settle>;
  "/edge/ai/models": FunctionReturnType<typeof internal.ai.models>;
  "/edge/ai/usage": FunctionReturnType<typeof internal.usage.statsForCaller>;
  "/edge/deploy/request": FunctionReturnType<typeof internal.edge.deploy.request>;
  "/edge/deploy/get": FunctionReturnType<typeof internal.edge.deploy.get>;
  "/edge/deploy/cancel": FunctionReturnType<typeof internal.edge.deploy.cancel>;
  "/edge/deploy/logs": FunctionReturnType<typeof internal.edge.deploy.logs>;
  "/edge/ai/build/begin": FunctionReturnType<typeof internal.build.begin>;
  "/edge/ai/build/turn": FunctionReturnType<typeof internal.build.turn>;
  "/edge/admin/export": FunctionReturnType<typeof internal.billingExport.exportPage>;
};
export type EdgeAnswer<P extends EdgePath> = EdgeAnswers[P];

/** `GET /edge/health`: Convex is up, the secret matches, the modes of the services Convex calls, and how payments run. */
export type EdgeHealth = { ok: true; services: ConvexServiceModes; payments: PaymentsHealth };

/** `GET /edge/metrics`: the business figures GET /api/metrics exposes (rollups and counters only). */
export type EdgeMetrics = FunctionReturnType<typeof internal.metrics.snapshot>;
