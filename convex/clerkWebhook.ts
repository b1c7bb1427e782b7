// POST /clerk/webhook — Clerk user events, signed by svix. The signature is checked
// before anything is read or written; each svix id is applied once (webhookEvents).
import { verifyWebhook } from "@clerk/backend/webhooks";
import { internal } from "./_generated/api";
import { env, httpAction } from "./_generated/server";
import { errorResponse } from "./lib/httpResponses";

type ClerkEmail = { id?: string; email_address?: string };
type ClerkUserData = {
  id?: unknown;
  email_addresses?: ClerkEmail[];
  primary_email_address_id?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  username?: string | null;
  image_url?: string | null;
};

function primaryEmail(d: ClerkUserData): string | undefined {
  const emails = Array.isArray(d.email_addresses) ? d.email_addresses : [];
  const primary = emails.find((e) => e.id === d.primary_email_address_id) ?? emails[0];
  return typeof primary?.email_address === "string" ? primary.email_address : undefined;
}

function displayName(d: ClerkUserData): string | undefined {
  const full = [d.first_name, d.last_name].filter((s) => typeof s === "string" && s.trim() !== "").join(" ");
  return full || (typeof d.username === "string" && d.username ? d.username : undefined);
}

export const clerkWebhook = httpAction(async (ctx, request) => {
  const secret = env.CLERK_WEBHOOK_SECRET;
  if (!secret) return errorResponse("UNAVAILABLE", "The Clerk webhook is not configured");
  let event: { type: string; data: unknown };
  try {
    event = await verifyWebhook(request, { signingSecret: secret });
  } catch {
    return errorResponse("INVALID", "Missing or invalid webhook signature");
  }
  const eventId = request.headers.get("svix-id")!; // present: verifyWebhook requires it
  if (event.type !== "user.created" && event.type !== "user.updated" && event.type !== "user.deleted") {
    return Response.json({ ok: true, ignored: event.type });
  }
  const data = (event.data ?? {}) as ClerkUserData;
  if (typeof data.id !== "string" || data.id === "") return errorResponse("INVALID", "The event has no user id");
  const result =
    event.type === "user.deleted"
      ? await ctx.runMutation(internal.users.deleteFromClerk, { eventId, type: event.type, clerkId: data.id })
      : await ctx.runMutation(internal.users.syncFromClerk, {
          eventId,
          type: event.type,
          clerkId: data.id,
          email: primaryEmail(data),
          name: displayName(data),
          imageUrl: typeof data.image_url === "string" && data.image_url ? data.image_url : undefined,
        });
  return Response.json({ ok: true, result });
});
