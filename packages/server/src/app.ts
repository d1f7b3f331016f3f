/**
 * The Hono application: CORS for third-party pages (bearer tokens, no cookies), the end-user
 * auth endpoints under /v1/auth and the chat API under /v1/chats (both acting for the site named
 * by the publishable key), health probes, and one error renderer for `{ error: { code, message } }`.
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import { API_PATH, CHAT_ROUTE, HEADER } from "@open-chat/shared";
import type { AppEnv } from "./env.js";
import { renderError, renderNotFound } from "./http/render-error.js";
import { bodyLimits } from "./http/body.js";
import { chatIdShape, headerLimits } from "./http/input.js";
import { corsOrigin } from "./http/cors-origin.js";
import { noStoreByDefault, securityHeaders } from "./http/security-headers.js";
import { sseResponses } from "./http/raw-sse.js";
import { requireTenant } from "./middleware/require-tenant.js";
import { requireUser } from "./middleware/require-user.js";
import { admitTurn } from "./middleware/admit-turn.js";
import { countResponses } from "./middleware/count-responses.js";
import { limitSignIns } from "./middleware/limit-sign-ins.js";
import { createUserTokenVerifier } from "./auth/user-tokens.js";
import { adminRoutes } from "./routes/admin/index.js";
import { authRoutes } from "./routes/auth.js";
import { billingRoutes } from "./routes/billing.js";
import { stripeWebhookRoutes } from "./routes/stripe-webhook.js";
import { meRoutes } from "./routes/me.js";
import { chatRoutes } from "./routes/chats.js";
import { eventRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { feedbackRoutes } from "./routes/feedback.js";
import { messageRoutes } from "./routes/messages.js";
import { openApiRoutes } from "./routes/openapi.js";
import { versionRoutes } from "./routes/versions.js";
import { createServices, type AppDeps, type Services } from "./services.js";

export interface OpenChatApp {
  app: Hono<AppEnv>;
  services: Services;
}

export function createApp(deps: AppDeps): OpenChatApp {
  const services = createServices(deps);
  const app = new Hono<AppEnv>();
  app.onError(renderError);
  app.notFound(renderNotFound);
  // Every answer counted by status (metrics/), whatever the middleware below made of it.
  app.use("*", countResponses(services.metrics));
  // Outermost but for the count, so it runs last: live tails go out on Node's response with every header set.
  app.use("*", sseResponses());
  app.use("*", securityHeaders, noStoreByDefault);
  app.use(
    "*",
    cors({
      origin: corsOrigin(services.settings.corsOrigins, services.tenants),
      allowHeaders: ["Authorization", "Content-Type", HEADER.lastEventId, HEADER.publishableKey, HEADER.idempotencyKey],
      exposeHeaders: [HEADER.streamNextOffset, HEADER.streamUpToDate, HEADER.streamCursor, HEADER.authToken, HEADER.retryAfter],
      // Chromium caps preflight caching at 2 hours.
      maxAge: 7200,
    }),
  );
  // Every route, Better Auth's included: bodies cut off at their limit while they stream in
  // (before requireTenant, which keys on the Request bodyLimits may replace), absurd headers refused.
  app.use("*", bodyLimits(), headerLimits());
  app.route("/", healthRoutes(services));
  // Browser-facing routes act for the site named by the publishable key (and its origins).
  app.use(`${API_PATH.auth}/*`, requireTenant({ tenants: services.tenants }));
  // Sign-ins per client address per site (signInsPerMinute), before Better Auth or our JWT check.
  app.use(API_PATH.signInAnonymous, limitSignIns(services.limits));
  app.use(API_PATH.signInJwt, limitSignIns(services.limits));
  app.route(API_PATH.auth, authRoutes(services, createUserTokenVerifier({ clock: services.clock })));
  // Past this process's cap on running answers a new turn is refused before any lookup.
  app.on("POST", [CHAT_ROUTE.messages, CHAT_ROUTE.regenerate].map((route) => `${API_PATH.chats}${route}`), admitTurn(services.admission));
  app.use(`${API_PATH.chats}/*`, requireTenant({ tenants: services.tenants }), requireUser({ auth: services.auth }));
  app.use(`${API_PATH.chats}/:chatId/*`, chatIdShape());
  app.route(API_PATH.chats, chatRoutes(services));
  app.route(API_PATH.chats, messageRoutes(services));
  app.route(API_PATH.chats, versionRoutes(services));
  app.route(API_PATH.chats, feedbackRoutes(services));
  app.route(API_PATH.chats, eventRoutes(services));
  app.use(`${API_PATH.me}/*`, requireTenant({ tenants: services.tenants }), requireUser({ auth: services.auth }));
  app.route(API_PATH.me, meRoutes(services));
  // Stripe's webhook: no key, no session (its signature is the credential), so it is mounted
  // before — and outside — the end user's billing routes and their middleware.
  app.route(API_PATH.stripeWebhook, stripeWebhookRoutes(services));
  for (const path of [API_PATH.billing, API_PATH.billingCheckout]) {
    app.use(path, requireTenant({ tenants: services.tenants }), requireUser({ auth: services.auth }));
  }
  app.route(API_PATH.billing, billingRoutes(services));
  // Secret or operator key only: none of the browser-facing middleware above runs here.
  app.route(API_PATH.admin, adminRoutes(services));
  app.route("/", openApiRoutes(app));
  return { app, services };
}
