/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as clerkWebhook from "../clerkWebhook.js";
import type * as edgeApi from "../edgeApi.js";
import type * as http from "../http.js";
import type * as lib_access from "../lib/access.js";
import type * as lib_auth from "../lib/auth.js";
import type * as lib_edgeHttp from "../lib/edgeHttp.js";
import type * as lib_errors from "../lib/errors.js";
import type * as users from "../users.js";
import type * as validators from "../validators.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  clerkWebhook: typeof clerkWebhook;
  edgeApi: typeof edgeApi;
  http: typeof http;
  "lib/access": typeof lib_access;
  "lib/auth": typeof lib_auth;
  "lib/edgeHttp": typeof lib_edgeHttp;
  "lib/errors": typeof lib_errors;
  users: typeof users;
  validators: typeof validators;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {
  rateLimiter: import("@convex-dev/rate-limiter/_generated/component.js").ComponentApi<"rateLimiter">;
  deployPool: import("@convex-dev/workpool/_generated/component.js").ComponentApi<"deployPool">;
  paidDeployPool: import("@convex-dev/workpool/_generated/component.js").ComponentApi<"paidDeployPool">;
  deploymentStats: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"deploymentStats">;
};
