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
import type * as admin from "../admin.js";
import type * as ai from "../ai.js";
import type * as aiLedger from "../aiLedger.js";
import type * as aiRequests from "../aiRequests.js";
import type * as billing from "../billing.js";
import type * as billingCustomers from "../billingCustomers.js";
import type * as billingExport from "../billingExport.js";
import type * as billingMeters from "../billingMeters.js";
import type * as billingWebhooks from "../billingWebhooks.js";
import type * as blobs from "../blobs.js";
import type * as build from "../build.js";
import type * as buildTurn from "../buildTurn.js";
import type * as changeSets from "../changeSets.js";
import type * as clerkWebhook from "../clerkWebhook.js";
import type * as conversationAnalysis from "../conversationAnalysis.js";
import type * as conversations from "../conversations.js";
import type * as crons from "../crons.js";
import type * as deliveries from "../deliveries.js";
import type * as deploymentJobs from "../deploymentJobs.js";
import type * as deploymentWatch from "../deploymentWatch.js";
import type * as deploymentWatchdog from "../deploymentWatchdog.js";
import type * as deploymentWebhooks from "../deploymentWebhooks.js";
import type * as deployments from "../deployments.js";
import type * as edge_apiLimit from "../edge/apiLimit.js";
import type * as edge_contract from "../edge/contract.js";
import type * as edge_deploy from "../edge/deploy.js";
import type * as edge_router from "../edge/router.js";
import type * as files from "../files.js";
import type * as http from "../http.js";
import type * as invitations from "../invitations.js";
import type * as lib_access from "../lib/access.js";
import type * as lib_apiLimit from "../lib/apiLimit.js";
import type * as lib_auth from "../lib/auth.js";
import type * as lib_billingConfig from "../lib/billingConfig.js";
import type * as lib_billingHealth from "../lib/billingHealth.js";
import type * as lib_billingLemon from "../lib/billingLemon.js";
import type * as lib_billingMock from "../lib/billingMock.js";
import type * as lib_billingNotify from "../lib/billingNotify.js";
import type * as lib_billingPlan from "../lib/billingPlan.js";
import type * as lib_billingStripe from "../lib/billingStripe.js";
import type * as lib_billingUsage from "../lib/billingUsage.js";
import type * as lib_blobs from "../lib/blobs.js";
import type * as lib_buildTools from "../lib/buildTools.js";
import type * as lib_changeSetApply from "../lib/changeSetApply.js";
import type * as lib_changeSetTree from "../lib/changeSetTree.js";
import type * as lib_counters from "../lib/counters.js";
import type * as lib_crypto from "../lib/crypto.js";
import type * as lib_deployFiles from "../lib/deployFiles.js";
import type * as lib_deployQueue from "../lib/deployQueue.js";
import type * as lib_deployRequest from "../lib/deployRequest.js";
import type * as lib_deploymentAccess from "../lib/deploymentAccess.js";
import type * as lib_deploymentLifecycle from "../lib/deploymentLifecycle.js";
import type * as lib_deploymentStats from "../lib/deploymentStats.js";
import type * as lib_environment from "../lib/environment.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_hash from "../lib/hash.js";
import type * as lib_httpResponses from "../lib/httpResponses.js";
import type * as lib_invitations from "../lib/invitations.js";
import type * as lib_languages from "../lib/languages.js";
import type * as lib_merge from "../lib/merge.js";
import type * as lib_mockServices from "../lib/mockServices.js";
import type * as lib_notificationSend from "../lib/notificationSend.js";
import type * as lib_notificationTemplates from "../lib/notificationTemplates.js";
import type * as lib_notify from "../lib/notify.js";
import type * as lib_pagination from "../lib/pagination.js";
import type * as lib_paths from "../lib/paths.js";
import type * as lib_plans from "../lib/plans.js";
import type * as lib_pricing from "../lib/pricing.js";
import type * as lib_projectFiles from "../lib/projectFiles.js";
import type * as lib_projects from "../lib/projects.js";
import type * as lib_revenueTotals from "../lib/revenueTotals.js";
import type * as lib_schema_billing from "../lib/schema/billing.js";
import type * as lib_schema_notifications from "../lib/schema/notifications.js";
import type * as lib_snapshots from "../lib/snapshots.js";
import type * as lib_ssrf from "../lib/ssrf.js";
import type * as lib_textEditor from "../lib/textEditor.js";
import type * as lib_usageRollup from "../lib/usageRollup.js";
import type * as lib_validators_ai from "../lib/validators/ai.js";
import type * as lib_validators_billing from "../lib/validators/billing.js";
import type * as lib_validators_changeSets from "../lib/validators/changeSets.js";
import type * as lib_validators_deployments from "../lib/validators/deployments.js";
import type * as lib_validators_notifications from "../lib/validators/notifications.js";
import type * as metrics from "../metrics.js";
import type * as notificationChannels from "../notificationChannels.js";
import type * as notificationDelivery from "../notificationDelivery.js";
import type * as notifications from "../notifications.js";
import type * as operations from "../operations.js";
import type * as projects from "../projects.js";
import type * as providerTokens from "../providerTokens.js";
import type * as providers_http from "../providers/http.js";
import type * as providers_index from "../providers/index.js";
import type * as providers_netlify from "../providers/netlify.js";
import type * as providers_railway from "../providers/railway.js";
import type * as providers_tarball from "../providers/tarball.js";
import type * as providers_types from "../providers/types.js";
import type * as providers_vercel from "../providers/vercel.js";
import type * as providers_webhooks from "../providers/webhooks.js";
import type * as quotaAlerts from "../quotaAlerts.js";
import type * as stripeMock from "../stripeMock.js";
import type * as usage from "../usage.js";
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
  admin: typeof admin;
  ai: typeof ai;
  aiLedger: typeof aiLedger;
  aiRequests: typeof aiRequests;
  billing: typeof billing;
  billingCustomers: typeof billingCustomers;
  billingExport: typeof billingExport;
  billingMeters: typeof billingMeters;
  billingWebhooks: typeof billingWebhooks;
  blobs: typeof blobs;
  build: typeof build;
  buildTurn: typeof buildTurn;
  changeSets: typeof changeSets;
  clerkWebhook: typeof clerkWebhook;
  conversationAnalysis: typeof conversationAnalysis;
  conversations: typeof conversations;
  crons: typeof crons;
  deliveries: typeof deliveries;
  deploymentJobs: typeof deploymentJobs;
  deploymentWatch: typeof deploymentWatch;
  deploymentWatchdog: typeof deploymentWatchdog;
  deploymentWebhooks: typeof deploymentWebhooks;
  deployments: typeof deployments;
  "edge/apiLimit": typeof edge_apiLimit;
  "edge/contract": typeof edge_contract;
  "edge/deploy": typeof edge_deploy;
  "edge/router": typeof edge_router;
  files: typeof files;
  http: typeof http;
  invitations: typeof invitations;
  "lib/access": typeof lib_access;
  "lib/apiLimit": typeof lib_apiLimit;
  "lib/auth": typeof lib_auth;
  "lib/billingConfig": typeof lib_billingConfig;
  "lib/billingHealth": typeof lib_billingHealth;
  "lib/billingLemon": typeof lib_billingLemon;
  "lib/billingMock": typeof lib_billingMock;
  "lib/billingNotify": typeof lib_billingNotify;
  "lib/billingPlan": typeof lib_billingPlan;
  "lib/billingStripe": typeof lib_billingStripe;
  "lib/billingUsage": typeof lib_billingUsage;
  "lib/blobs": typeof lib_blobs;
  "lib/buildTools": typeof lib_buildTools;
  "lib/changeSetApply": typeof lib_changeSetApply;
  "lib/changeSetTree": typeof lib_changeSetTree;
  "lib/counters": typeof lib_counters;
  "lib/crypto": typeof lib_crypto;
  "lib/deployFiles": typeof lib_deployFiles;
  "lib/deployQueue": typeof lib_deployQueue;
  "lib/deployRequest": typeof lib_deployRequest;
  "lib/deploymentAccess": typeof lib_deploymentAccess;
  "lib/deploymentLifecycle": typeof lib_deploymentLifecycle;
  "lib/deploymentStats": typeof lib_deploymentStats;
  "lib/environment": typeof lib_environment;
  "lib/errors": typeof lib_errors;
  "lib/hash": typeof lib_hash;
  "lib/httpResponses": typeof lib_httpResponses;
  "lib/invitations": typeof lib_invitations;
  "lib/languages": typeof lib_languages;
  "lib/merge": typeof lib_merge;
  "lib/mockServices": typeof lib_mockServices;
  "lib/notificationSend": typeof lib_notificationSend;
  "lib/notificationTemplates": typeof lib_notificationTemplates;
  "lib/notify": typeof lib_notify;
  "lib/pagination": typeof lib_pagination;
  "lib/paths": typeof lib_paths;
  "lib/plans": typeof lib_plans;
  "lib/pricing": typeof lib_pricing;
  "lib/projectFiles": typeof lib_projectFiles;
  "lib/projects": typeof lib_projects;
  "lib/revenueTotals": typeof lib_revenueTotals;
  "lib/schema/billing": typeof lib_schema_billing;
  "lib/schema/notifications": typeof lib_schema_notifications;
  "lib/snapshots": typeof lib_snapshots;
  "lib/ssrf": typeof lib_ssrf;
  "lib/textEditor": typeof lib_textEditor;
  "lib/usageRollup": typeof lib_usageRollup;
  "lib/validators/ai": typeof lib_validators_ai;
  "lib/validators/billing": typeof lib_validators_billing;
  "lib/validators/changeSets": typeof lib_validators_changeSets;
  "lib/validators/deployments": typeof lib_validators_deployments;
  "lib/validators/notifications": typeof lib_validators_notifications;
  metrics: typeof metrics;
  notificationChannels: typeof notificationChannels;
  notificationDelivery: typeof notificationDelivery;
  notifications: typeof notifications;
  operations: typeof operations;
  projects: typeof projects;
  providerTokens: typeof providerTokens;
  "providers/http": typeof providers_http;
  "providers/index": typeof providers_index;
  "providers/netlify": typeof providers_netlify;
  "providers/railway": typeof providers_railway;
  "providers/tarball": typeof providers_tarball;
  "providers/types": typeof providers_types;
  "providers/vercel": typeof providers_vercel;
  "providers/webhooks": typeof providers_webhooks;
  quotaAlerts: typeof quotaAlerts;
  stripeMock: typeof stripeMock;
  usage: typeof usage;
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
  notifyPool: import("@convex-dev/workpool/_generated/component.js").ComponentApi<"notifyPool">;
  deploymentStats: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"deploymentStats">;
};
