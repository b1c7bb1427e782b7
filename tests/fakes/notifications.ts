// Receivers of outbound notifications, on 127.0.0.1, speaking the real wire formats:
// - a Standard Webhooks receiver that verifies every delivery with the `standardwebhooks`
//   library (as any customer would) and answers 204, or 401 when the signature is wrong;
// - a Slack incoming webhook: JSON with `text` (and optional `blocks`) → 200 "ok",
//   otherwise 400 "invalid_payload" (Slack's answers, in plain text);
// - Resend's POST /emails: Bearer key, `from`, `to`, `subject`, `html` or `text` → 200 `{ id }`,
//   a wrong key → 401, a missing field → 422, in Resend's error shape.
// Each is a startFakeServer, so a test injects 500, 429 + Retry-After, stalls and resets.
import { Webhook } from "standardwebhooks";
import { startFakeServer, type RecordedRequest } from "./server";

export type VerifiedWebhook = { id: string; type: string; data: Record<string, unknown>; timestamp: string };

export async function startWebhookReceiver(secret: () => string) {
  const verified: (VerifiedWebhook & { headers: RecordedRequest["headers"] })[] = [];
  const rejected: string[] = [];
  const server = await startFakeServer("webhook receiver", (req, res) => {
    const headers = {
      "webhook-id": String(req.headers["webhook-id"] ?? ""),
      "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
      "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
    };
    try {
      const payload = new Webhook(secret()).verify(req.body, headers) as Omit<VerifiedWebhook, "id">;
      verified.push({ ...payload, id: headers["webhook-id"], headers: req.headers });
      res.writeHead(204).end();
    } catch (err) {
      rejected.push((err as Error).message);
      res.writeHead(401, { "content-type": "text/plain" }).end("invalid signature");
    }
  });
  return { ...server, verified, rejected };
}

export async function startSlackFake() {
  const messages: { text: string; blocks?: { type: string; [k: string]: unknown }[] }[] = [];
  const server = await startFakeServer("slack", (req, res) => {
    let body: { text?: unknown; blocks?: unknown } | undefined;
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      body = undefined;
    }
    if (!body || typeof body.text !== "string" || (body.blocks !== undefined && !Array.isArray(body.blocks))) {
      return void res.writeHead(400, { "content-type": "text/plain" }).end("invalid_payload");
    }
    messages.push(body as (typeof messages)[number]);
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
  return { ...server, messages };
}

export async function startResendFake(apiKey: string) {
  const emails: {
    id: string;
    from: string;
    to: string[];
    subject: string;
    html?: string;
    text?: string;
    idempotencyKey?: string;
  }[] = [];
  const error = (status: number, name: string, message: string) => ({ statusCode: status, name, message });
  const server = await startFakeServer("resend", (req, res) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method !== "POST" || req.path !== "/emails") return void json(404, error(404, "not_found", "Not found"));
    if (req.headers.authorization !== `Bearer ${apiKey}`)
      return void json(401, error(401, "missing_api_key", "API key is invalid"));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return void json(422, error(422, "validation_error", "Invalid JSON"));
    }
    const to = typeof body.to === "string" ? [body.to] : body.to;
    for (const field of ["from", "subject"]) {
      if (typeof body[field] !== "string")
        return void json(422, error(422, "validation_error", `Missing \`${field}\` field.`));
    }
    if (!Array.isArray(to) || to.length === 0)
      return void json(422, error(422, "validation_error", "Missing `to` field."));
    if (typeof body.html !== "string" && typeof body.text !== "string") {
      return void json(422, error(422, "validation_error", "Missing `html` or `text` field."));
    }
    const id = `email_${emails.length + 1}`;
    const key = req.headers["idempotency-key"];
    emails.push({
      id,
      from: body.from as string,
      to: to as string[],
      subject: body.subject as string,
      html: body.html as string | undefined,
      text: body.text as string | undefined,
      idempotencyKey: typeof key === "string" ? key : undefined,
    });
    json(200, { id });
  });
  return { ...server, emails, apiKey };
}
