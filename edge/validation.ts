// Request input → 400 INVALID naming the first bad field, in the one error envelope.
import type { z } from "zod";
import { ApiError } from "./errors.js";

type Issue = { path: PropertyKey[]; message: string };

/** A zod issue as `400 INVALID "<field>: <message>"` with `field` in the details. */
export function invalidInput(issue: Issue | undefined, whole = "body"): ApiError {
  const field = issue?.path.map(String).join(".") ?? "";
  return new ApiError("INVALID", `${field || whole}: ${issue?.message ?? "invalid"}`, { field });
}

/** The request's JSON body checked by `schema`; `shape` names the expected body in the error for non-JSON. */
export async function jsonBody<T extends z.ZodType>(req: { json(): Promise<unknown> }, schema: T, shape: string): Promise<z.output<T>> {
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    throw new ApiError("INVALID", `Body must be JSON: ${shape}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]);
  return parsed.data;
}
