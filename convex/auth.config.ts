// Convex accepts Clerk session tokens from this issuer (the Clerk Frontend API URL,
// e.g. https://your-app.clerk.accounts.dev). `applicationID: "convex"` matches Clerk's
// "convex" JWT template.
export default {
  providers: [
    {
      // auth.config.ts is evaluated at push time, before the typed `env` exists.
      // eslint-disable-next-line @convex-dev/no-process-env
      domain: process.env.CLERK_JWT_ISSUER_DOMAIN,
      applicationID: "convex",
    },
  ],
};
