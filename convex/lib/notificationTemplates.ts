// How each event reads on each channel. Per event: a label, an emoji and where its button
// leads; per channel: the Standard Webhooks payload, a Slack Block Kit message, an email
// (HTML + text). Titles and messages come from the code that raised the event.
import type { NotificationEvent, NotificationType } from "../validators";

type Template = { label: string; emoji: string; action?: { text: string; path: (e: NotificationEvent) => string } };

const project = (e: NotificationEvent) => (e.projectId ? `/projects/${e.projectId}` : "/");
const deployment = (e: NotificationEvent) =>
  e.projectId && e.deploymentId ? `/projects/${e.projectId}/deployments/${e.deploymentId}` : project(e);

export const TEMPLATES: Record<NotificationType, Template> = {
  "deployment.ready": { label: "Deployment ready", emoji: "✅", action: { text: "Open deployment", path: deployment } },
  "deployment.error": { label: "Deployment failed", emoji: "❌", action: { text: "See the log", path: deployment } },
  "deployment.canceled": {
    label: "Deployment canceled",
    emoji: "⏹️",
    action: { text: "Open deployment", path: deployment },
  },
  "ai.build.proposed": {
    label: "Changes ready for review",
    emoji: "📝",
    action: { text: "Review the changes", path: project },
  },
  "quota.warning": {
    label: "Daily AI quota at 80 %",
    emoji: "⚠️",
    action: { text: "See usage", path: () => "/usage" },
  },
  "quota.exceeded": {
    label: "Daily AI quota reached",
    emoji: "⛔",
    action: { text: "See plans", path: () => "/billing" },
  },
  "subscription.changed": {
    label: "Subscription changed",
    emoji: "💳",
    action: { text: "Open billing", path: () => "/billing" },
  },
  "payment.failed": {
    label: "Payment failed",
    emoji: "❗",
    action: { text: "Update payment method", path: () => "/billing" },
  },
  "project.invited": {
    label: "Project invitation",
    emoji: "✉️",
    action: { text: "See invitations", path: () => "/invitations" },
  },
  system: { label: "AUTOCREA", emoji: "ℹ️" },
};

/** The Standard Webhooks body: `{ type, timestamp, data }`. */
export function webhookPayload(e: NotificationEvent, messageId: string) {
  return {
    type: e.type,
    timestamp: new Date(e.occurredAt).toISOString(),
    data: {
      id: messageId,
      title: e.title,
      message: e.message,
      ...(e.projectId ? { projectId: e.projectId } : {}),
      ...(e.deploymentId ? { deploymentId: e.deploymentId } : {}),
      ...e.data,
    },
  };
}

// Slack's mrkdwn treats &, < and > as control characters.
const slackEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A Slack incoming-webhook body: `text` is the notification fallback, `blocks` the message. */
export function slackMessage(e: NotificationEvent, appUrl: string) {
  const t = TEMPLATES[e.type];
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: `${t.emoji} ${e.title}`.slice(0, 150), emoji: true } },
    { type: "section", text: { type: "mrkdwn", text: slackEscape(e.message).slice(0, 3000) } },
    { type: "context", elements: [{ type: "mrkdwn", text: `${t.label} · ${new Date(e.occurredAt).toISOString()}` }] },
  ];
  if (t.action) {
    blocks.push({
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: t.action.text }, url: appUrl + t.action.path(e) }],
    });
  }
  return { text: `${t.emoji} ${e.title}: ${e.message}`, blocks };
}

const htmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** An email: subject, HTML and plain-text bodies. */
export function emailMessage(e: NotificationEvent, appUrl: string) {
  const t = TEMPLATES[e.type];
  const link = t.action ? { text: t.action.text, url: appUrl + t.action.path(e) } : undefined;
  const html = [
    `<h2>${htmlEscape(e.title)}</h2>`,
    `<p>${htmlEscape(e.message)}</p>`,
    link ? `<p><a href="${htmlEscape(link.url)}">${htmlEscape(link.text)}</a></p>` : "",
    `<p style="color:#888">${htmlEscape(t.label)} · AUTOCREA</p>`,
  ].join("");
  const text = [
    e.title,
    "",
    e.message,
    ...(link ? ["", `${link.text}: ${link.url}`] : []),
    "",
    `${t.label} · AUTOCREA`,
  ].join("\n");
  return { subject: `[AUTOCREA] ${e.title}`, html, text };
}

/** The email that proves an address: the code is typed into the settings page. */
export function verificationEmail(code: string) {
  return {
    subject: "[AUTOCREA] Confirm this address for notifications",
    html: `<p>Your confirmation code is <b>${code}</b>. It expires in 30 minutes.</p>`,
    text: `Your confirmation code is ${code}. It expires in 30 minutes.`,
  };
}
