/**
 * The Hono application: CORS for third-party pages (bearer tokens, no cookies), Better Auth
 * under /v1/auth, the authenticated chat API under /v1/chats, health probes, and one error
 * renderer for `{ error: { code, message } }`.
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import { API_PATH, HEADER } from "@open-chat/shared";
import type { AppEnv } from "./env.js";
import { renderError, renderNotFound } from "./http/render-error.js";
import { requireUser } from "./middleware/require-user.js";
import { chatRoutes } from "./routes/chats.js";
import { eventRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { messageRoutes } from "./routes/messages.js";
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
  app.use(
    "*",
    cors({
      origin: services.settings.corsOrigins,
      allowHeaders: ["Authorization", "Content-Type", HEADER.lastEventId, HEADER.publishableKey, HEADER.idempotencyKey],
      exposeHeaders: [HEADER.streamNextOffset, HEADER.streamUpToDate, HEADER.streamCursor, HEADER.authToken, HEADER.retryAfter],
      maxAge: 600,
    }),
  );
  app.route("/", healthRoutes(services));
  app.on(["GET", "POST"], `${API_PATH.auth}/*`, (c) => services.auth.handler(c.req.raw));
  app.use(`${API_PATH.chats}/*`, requireUser({ auth: services.auth }));
  app.route(API_PATH.chats, chatRoutes(services));
  app.route(API_PATH.chats, messageRoutes(services));
  app.route(API_PATH.chats, eventRoutes(services));
  return { app, services };
}
