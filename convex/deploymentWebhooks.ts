// Provider webhooks: POST /webhooks/vercel and /webhooks/netlify on the Convex site.
// The signature is checked over the raw body before anything else (bad or missing → 400,
// nothing written); a verified event updates the deployment at once and is recorded in
// webhookEvents, so the same delivery twice is applied once. Polling remains the safety
// net for webhooks that never arrive.
import { v } from "convex/values";
import { providerConfigFromEnv } from "./providers/index";
import {
  parseNetlifyWebhook,
  parseVercelWebhook,
  verifyNetlifySignature,
  verifyVercelSignature,
  type ProviderWebhookEvent,
} from "./providers/webhooks";
import { internal } from "./_generated/api";
import { env, httpAction, internalMutation, type ActionCtx } from "./_generated/server";
import { applyObserved, isTerminal, log } from "./lib/deploymentLifecycle";
import { errorResponse } from "./lib/httpResponses";
import { vProvider, vProviderState } from "./validators";
import { emit } from "./notificationDelivery";

const MAX_BODY = 1_000_000;

type Source = {
  provider: "vercel" | "netlify";
  header: string;
  verify: (raw: string, signature: string | null, secret: string) => Promise<boolean>;
  parse: (raw: string) => ProviderWebhookEvent | undefined;
};

const SOURCES: Record<"vercel" | "netlify", Source> = {
  vercel: {
    provider: "vercel",
    header: "x-vercel-signature",
    verify: verifyVercelSignature,
    parse: parseVercelWebhook,
  },
  netlify: {
    provider: "netlify",
    header: "x-webhook-signature",
    verify: verifyNetlifySignature,
    parse: parseNetlifyWebhook,
  },
};

async function receive(ctx: ActionCtx, request: Request, source: Source): Promise<Response> {
  // VERCEL_WEBHOOK_SECRET / NETLIFY_WEBHOOK_SECRET
  const secret = providerConfigFromEnv(env)[source.provider].webhookSecret;
  if (!secret) return errorResponse("UNAVAILABLE", `${source.provider} webhooks are not configured`);
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY) return errorResponse("PAYLOAD_TOO_LARGE", "Webhook body too large");
  const raw = await request.text();
  if (raw.length > MAX_BODY) return errorResponse("PAYLOAD_TOO_LARGE", "Webhook body too large");
  if (!(await source.verify(raw, request.headers.get(source.header), secret))) {
    return errorResponse("INVALID", "Webhook signature does not match");
  }
  const event = source.parse(raw);
  if (!event) return errorResponse("INVALID", "Webhook payload is not a deployment event");
  if (!event.state) return Response.json({ result: "ignored" });
  const result = await ctx.runMutation(internal.deploymentWebhooks.apply, {
    provider: source.provider,
    eventId: event.eventId,
    type: event.type,
    providerDeploymentId: event.deploymentId,
    state: event.state,
    url: event.url,
    errorMessage: event.errorMessage,
  });
  return Response.json({ result });
}

export const vercelWebhook = httpAction(async (ctx, request) => await receive(ctx, request, SOURCES.vercel));
export const netlifyWebhook = httpAction(async (ctx, request) => await receive(ctx, request, SOURCES.netlify));

/**
 * Applies one verified event. "duplicate": seen before, nothing done. "unknown": not one
 * of our deployments (nothing written, so a later retry can still apply). "ignored": the
 * deployment had already ended. "applied" / "finished": status updated (and ended).
 */
export const apply = internalMutation({
  args: {
    provider: vProvider,
    eventId: v.string(),
    type: v.string(),
    providerDeploymentId: v.string(),
    state: vProviderState,
    url: v.optional(v.string()),
    errorMessage: v.optional(v.string()),
  },
  returns: v.union(
    v.literal("duplicate"),
    v.literal("unknown"),
    v.literal("ignored"),
    v.literal("applied"),
    v.literal("finished"),
  ),
  handler: async (ctx, args) => {
    const seen = await ctx.db
      .query("webhookEvents")
      .withIndex("by_source_and_eventId", (q) => q.eq("source", args.provider).eq("eventId", args.eventId))
      .first();
    if (seen) return "duplicate";
    const d = await ctx.db
      .query("deployments")
      .withIndex("by_provider_and_providerDeploymentId", (q) =>
        q.eq("provider", args.provider).eq("providerDeploymentId", args.providerDeploymentId),
      )
      .first();
    if (!d) return "unknown";
    await ctx.db.insert("webhookEvents", {
      source: args.provider,
      eventId: args.eventId,
      type: args.type,
      receivedAt: Date.now(),
    });
    if (isTerminal(d.status)) return "ignored";
    await log(ctx, d, "info", `Webhook: ${args.type}`);
    const ended = await applyObserved(
      ctx,
      d._id,
      { state: args.state, url: args.url, errorMessage: args.errorMessage },
      emit,
    );
    if (!ended) return "applied";
    // The poll chain stops at the next tick; collect the log lines it would have fetched.
    await ctx.scheduler.runAfter(0, internal.deploymentWatch.drainLogs, { deploymentId: d._id });
    return "finished";
  },
});
