// Finds the public function a client names ("files:list", "files.js:list", "projects" for a
// default export) among the modules convex-test runs, and refuses what a real deployment
// refuses: unknown functions, internal ones, the wrong kind, component paths.
import { makeFunctionReference, type FunctionReference } from "convex/server";

export type FunctionKind = "query" | "mutation" | "action";
export type ResolvedFunction = { kind: FunctionKind; udfPath: string; ref: FunctionReference<any, any> };

/** An error a real deployment answers before running anything (the client sees `message`). */
export class RequestRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const KIND_NAMES: Record<FunctionKind, string> = { query: "Query", mutation: "Mutation", action: "Action" };

export function canonicalUdfPath(udfPath: string): { module: string; name: string; path: string } {
  const i = udfPath.lastIndexOf(":");
  let module = i === -1 ? udfPath : udfPath.slice(0, i);
  const name = i === -1 ? "default" : udfPath.slice(i + 1);
  if (module.endsWith(".js")) module = module.slice(0, -3);
  return { module, name, path: `${module}:${name}` };
}

export function createFunctionResolver(modules: Record<string, () => Promise<any>>) {
  const byModule = new Map<string, () => Promise<any>>();
  for (const [key, load] of Object.entries(modules)) {
    const rel = key.replace(/^\.\/convex\//, "").replace(/\.[cm]?[jt]s$/, "");
    if (!rel.startsWith("_generated/")) byModule.set(rel, load);
  }
  const cache = new Map<string, Promise<ResolvedFunction | null>>();

  async function lookup(udfPath: string): Promise<ResolvedFunction | null> {
    const { module, name, path } = canonicalUdfPath(udfPath);
    const load = byModule.get(module);
    if (!load) return null;
    const fn = (await load())[name];
    if (!fn || typeof fn !== "function" || !fn.isPublic) return null;
    const kind: FunctionKind | undefined = fn.isQuery
      ? "query"
      : fn.isMutation
        ? "mutation"
        : fn.isAction
          ? "action"
          : undefined;
    if (!kind) return null;
    return { kind, udfPath: path, ref: makeFunctionReference(path) };
  }

  /** The public function `udfPath` names, called as `expected` (throws RequestRefused otherwise). */
  return async function resolve(
    udfPath: string,
    expected: FunctionKind | "any",
    componentPath?: string,
  ): Promise<ResolvedFunction> {
    if (componentPath) {
      throw new RequestRefused(
        "Unauthorized",
        "The local Convex does not run component functions from clients (componentPath); call the app's own functions.",
      );
    }
    if (typeof udfPath !== "string" || !udfPath) throw new RequestRefused("BadRequest", "Missing function path");
    const key = canonicalUdfPath(udfPath).path;
    let found = cache.get(key);
    if (!found) cache.set(key, (found = lookup(key)));
    const fn = await found;
    if (!fn) {
      throw new RequestRefused(
        "NotFound",
        `Could not find public function for '${key}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`,
      );
    }
    if (expected !== "any" && fn.kind !== expected) {
      throw new RequestRefused(
        "BadRequest",
        `Trying to execute ${key} as ${KIND_NAMES[expected]}, but it is defined as ${KIND_NAMES[fn.kind]}.`,
      );
    }
    return fn;
  };
}
export type FunctionResolver = ReturnType<typeof createFunctionResolver>;
