import { httpAction } from "./_generated/server";

// Placeholder: the svix-verified Clerk webhook lands here.
export const clerkWebhook = httpAction(async () => new Response(null, { status: 501 }));
