// Request input → 400 INVALID naming the first bad field, in the one error envelope.
import * as z from "zod";
import { ApiError } from "./errors.js";

/** A Convex document id as a client sends it (projects, deployments, conversations…). */
export const documentId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_]+$/, "must be an id");

type Issue = { path: PropertyKey[]; message: string; code?: string; keys?: string[] };

/**
 * A zod issue as `400 INVALID "<field>: <message>"` with `field` in the details. The field is the
 * bad value's path, an unknown key's name, or `whole` (what was checked: "body", "query", a header)
 * when the input as a whole is wrong.
 */
export function invalidInput(issue: Issue | undefined, whole = "body"): ApiError {
  // zod reports an unknown key on its parent object; name the key itself.
  const unknown = issue?.code === "unrecognized_keys" ? issue.keys?.[0] : undefined;
  const path = issue ? (unknown === undefined ? issue.path : [...issue.path, unknown]) : [];
  const field = path.map(String).join(".") || whole;
  return new ApiError("INVALID", `${field}: ${issue?.message ?? "invalid"}`, { field });
}

/** The request's JSON body checked by `schema`; `shape` names the expected body in the error for non-JSON. */
export async function jsonBody<T extends z.ZodType>(
  req: { json(): Promise<unknown> },
  schema: T,
  shape: string,
): Promise<z.output<T>> {
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    throw new ApiError("INVALID", `body: must be JSON like ${shape}`, { field: "body" });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]);
  return parsed.data;
}
