// Validators declared once, reused by the schema and by function arguments/returns.
import { v, type Infer } from "convex/values";

export const vRole = v.union(v.literal("user"), v.literal("admin"));
export type Role = Infer<typeof vRole>;

export const vPlan = v.union(v.literal("free"), v.literal("starter"), v.literal("pro"), v.literal("business"));
export type Plan = Infer<typeof vPlan>;

export const vTheme = v.union(v.literal("light"), v.literal("dark"), v.literal("system"));

export const vPreferences = v.object({
  theme: vTheme,
  editorFontSize: v.number(), // 10..32
  tabSize: v.number(), // 1..8
  defaultModel: v.string(),
});
export type Preferences = Infer<typeof vPreferences>;

export const vFramework = v.union(
  v.literal("react"),
  v.literal("next"),
  v.literal("vue"),
  v.literal("nuxt"),
  v.literal("svelte"),
  v.literal("astro"),
  v.literal("angular"),
  v.literal("node"),
  v.literal("static"),
  v.literal("other"),
);
export type Framework = Infer<typeof vFramework>;

export const vMemberRole = v.union(v.literal("owner"), v.literal("editor"), v.literal("viewer"));
export type MemberRole = Infer<typeof vMemberRole>;

export const vProvider = v.union(v.literal("vercel"), v.literal("netlify"), v.literal("railway"));
export type Provider = Infer<typeof vProvider>;

/** Per-provider ids of the project/site a project deploys to, reused by every redeploy. */
export const vProviderRefs = v.object({
  vercel: v.optional(v.object({ projectName: v.string(), projectId: v.optional(v.string()) })),
  netlify: v.optional(v.object({ siteId: v.string(), siteName: v.optional(v.string()) })),
  railway: v.optional(v.object({ projectId: v.string(), serviceId: v.string(), environmentId: v.string() })),
});

export const vEnvironment = v.union(v.literal("production"), v.literal("preview"));
export type Environment = Infer<typeof vEnvironment>;

export const vDeploymentStatus = v.union(
  v.literal("queued"),
  v.literal("building"),
  v.literal("ready"),
  v.literal("error"),
  v.literal("canceled"),
);
export type DeploymentStatus = Infer<typeof vDeploymentStatus>;

export const vDeploymentStep = v.union(
  v.literal("queued"),
  v.literal("uploading"),
  v.literal("building"),
  v.literal("deploying"),
  v.literal("ready"),
);
export type DeploymentStep = Infer<typeof vDeploymentStep>;

export const vAiRequestType = v.union(
  v.literal("generate"),
  v.literal("explain"),
  v.literal("fix"),
  v.literal("refactor"),
  v.literal("complete"),
  v.literal("chat"),
);
export type AiRequestType = Infer<typeof vAiRequestType>;

export const vAiRequestStatus = v.union(
  v.literal("streaming"),
  v.literal("completed"),
  v.literal("failed"),
  v.literal("cancelled"),
);
export type AiRequestStatus = Infer<typeof vAiRequestStatus>;

export const vUsage = v.object({
  inputTokens: v.number(),
  outputTokens: v.number(),
  cacheReadTokens: v.number(),
  cacheWriteTokens: v.number(),
});
export type Usage = Infer<typeof vUsage>;

export const vPriority = v.union(v.literal("high"), v.literal("medium"), v.literal("low"));

export const vMessageRole = v.union(v.literal("user"), v.literal("assistant"));

export const vNotificationType = v.union(
  v.literal("deployment.ready"),
  v.literal("deployment.error"),
  v.literal("deployment.canceled"),
  v.literal("project.member_added"),
  v.literal("quota.warning"),
  v.literal("system"),
);
export type NotificationType = Infer<typeof vNotificationType>;

export const vChannelKind = v.union(v.literal("webhook"), v.literal("slack"), v.literal("email"));

export const vDeliveryStatus = v.union(v.literal("pending"), v.literal("sent"), v.literal("failed"));

export const vWebhookSource = v.union(
  v.literal("clerk"),
  v.literal("vercel"),
  v.literal("netlify"),
  v.literal("railway"),
  v.literal("stripe"),
);

export const vTerminalStatus = v.union(v.literal("running"), v.literal("exited"), v.literal("killed"));
export const vTerminalStream = v.union(v.literal("stdin"), v.literal("stdout"), v.literal("stderr"));

export const vSubscriptionStatus = v.union(
  v.literal("trialing"),
  v.literal("active"),
  v.literal("past_due"),
  v.literal("canceled"),
  v.literal("incomplete"),
);

export const vErrorInfo = v.object({ code: v.string(), message: v.string() });
