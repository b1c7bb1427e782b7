// Runs one public function on convex-test as a caller and answers in Convex's JSON encoding,
// the way a deployment's HTTP API and sync socket report results and errors.
import type { UserIdentity } from "convex/server";
import { convexToJson, type JSONValue } from "convex/values";
import type { ConvexTest } from "../../tests/convexTest";
import type { ResolvedFunction } from "./functions";

export type Outcome = { ok: true; value: JSONValue } | { ok: false; errorMessage: string; errorData?: JSONValue };
export type Identity = Pick<UserIdentity, "subject" | "issuer" | "tokenIdentifier"> & Partial<UserIdentity>;

/** A thrown ConvexError (by shape: convex-test may load its own copy of `convex/values`). */
function convexErrorData(err: unknown): { data: unknown } | undefined {
  if (err && typeof err === "object" && (err as Error).name === "ConvexError" && "data" in err)
    return { data: (err as { data: unknown }).data };
  return undefined;
}

export async function runFunction(
  t: ConvexTest,
  fn: ResolvedFunction,
  args: unknown,
  identity: Identity | null,
): Promise<Outcome> {
  const as = identity ? t.withIdentity(identity) : t;
  try {
    const value =
      fn.kind === "query"
        ? await as.query(fn.ref, args as any)
        : fn.kind === "mutation"
          ? await as.mutation(fn.ref, args as any)
          : await as.action(fn.ref, args as any);
    return { ok: true, value: convexToJson((value ?? null) as any) };
  } catch (err) {
    // The client prefixes "[CONVEX M(files:write)]" itself when it logs this.
    const head = "Server Error\n";
    const message = err instanceof Error ? err.message : String(err);
    const convexError = convexErrorData(err);
    if (convexError) {
      return {
        ok: false,
        errorMessage: `${head}Uncaught ConvexError: ${message}`,
        errorData: convexToJson(convexError.data as any),
      };
    }
    // As a development deployment does: the message, never the stack.
    return { ok: false, errorMessage: `${head}Uncaught Error: ${message}` };
  }
}
