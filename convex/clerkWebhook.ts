// POST /clerk/webhook — Clerk user events, signed by svix. The signature is checked
// before anything is read or written; each svix id is applied once (webhookEvents). A signed
// event whose user data is not the shape Clerk documents (e.g. `email_addresses: [null]`) is
// answered 400 and logged: Clerk shows it as failed instead of retrying a 500 forever.
import { verifyWebhook } from "@clerk/backend/webhooks";
import { z } from "zod";
import { internal } from "./_generated/api";
import { env, httpAction } from "./_generated/server";
import { errorResponse } from "./lib/httpResponses";

const optionalText = z.string().nullish();

const clerkEmail = z.object({
  id: z.string(),
  email_address: z.string(),
  verification: z.object({ status: z.string() }).nullish(),
});

/** The fields of Clerk's user object we use (`user.created`, `user.updated`). */
const clerkUser = z.object({
  id: z.string().min(1),
  email_addresses: z.array(clerkEmail),
  primary_email_address_id: optionalText,
  first_name: optionalText,
  last_name: optionalText,
  username: optionalText,
  image_url: optionalText,
  updated_at: z.number().int().nonnegative(),
});
type ClerkUser = z.infer<typeof clerkUser>;

/** `user.deleted` carries only the id. */
const clerkDeletedUser = z.object({ id: z.string().min(1) });

function primaryEmail(d: ClerkUser): z.infer<typeof clerkEmail> | undefined {
  return d.email_addresses.find((e) => e.id === d.primary_email_address_id) ?? d.email_addresses[0];
}

function displayName(d: ClerkUser): string | undefined {
  const full = [d.first_name, d.last_name].filter((s) => typeof s === "string" && s.trim() !== "").join(" ");
  return full || d.username || undefined;
}

function malformed(eventId: string, type: string, error: z.ZodError): Response {
  // Paths only (which field was wrong), never the values: the log holds no personal data.
  const fields = error.issues.map((i) => i.path.join(".") || "(root)").slice(0, 5);
  console.warn(`clerk webhook: ignored malformed ${type} event ${eventId}; bad fields: ${fields.join(", ")}`);
  return errorResponse("INVALID", "The event's user data is not in the shape Clerk documents");
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
  if (event.type === "user.deleted") {
    const parsed = clerkDeletedUser.safeParse(event.data);
    if (!parsed.success) return malformed(eventId, event.type, parsed.error);
    const result = await ctx.runMutation(internal.users.deleteFromClerk, {
      eventId,
      type: event.type,
      clerkId: parsed.data.id,
    });
    return Response.json({ ok: true, result });
  }
  if (event.type !== "user.created" && event.type !== "user.updated") {
    return Response.json({ ok: true, ignored: event.type });
  }
  const parsed = clerkUser.safeParse(event.data);
  if (!parsed.success) return malformed(eventId, event.type, parsed.error);
  const data = parsed.data;
  const primary = primaryEmail(data);
  const result = await ctx.runMutation(internal.users.syncFromClerk, {
    eventId,
    type: event.type,
    clerkId: data.id,
    email: primary?.email_address,
    emailVerified: primary?.verification?.status === "verified",
    name: displayName(data),
    imageUrl: data.image_url || undefined,
    updatedAt: data.updated_at,
  });
  return Response.json({ ok: true, result });
});
