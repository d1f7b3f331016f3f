/**
 * The model server's routes: `GET /v1/models` and `POST /v1/chat/completions`. Plain JSON answers
 * go through Hono; a stream (or a scripted socket cut) is written to Node's response directly and
 * the handler returns `RESPONSE_ALREADY_SENT` so the adapter leaves that response alone.
 */
import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { requireApiKey } from "./auth.js";
import { closedSignal, untilClosed } from "./connection.js";
import { planReply } from "./reply-plan.js";
import { parseCompletionRequest } from "./request.js";
import type { RequestLog } from "./request-log.js";
import { streamReply } from "./stream-reply.js";
import type { ModelServerOptions, ReplyScript } from "./types.js";
import { completion, errorBody, errorTypeFor, modelList } from "./wire.js";

export interface ModelAppDeps {
  options: ModelServerOptions;
  models: readonly string[];
  log: RequestLog;
  /** Scripts waiting for a request; the route takes the first. */
  queue: ReplyScript[];
}

export function createModelApp({ options, models, log, queue }: ModelAppDeps) {
  const app = new Hono<{ Bindings: HttpBindings }>();
  const startedAt = Math.floor(Date.now() / 1000);
  let completions = 0;

  if (options.apiKey !== undefined) app.use("/v1/*", requireApiKey({ apiKey: options.apiKey }));

  app.get("/v1/models", (c) => c.json(modelList(models, startedAt)));

  app.post("/v1/chat/completions", async (c) => {
    const parsed = parseCompletionRequest(await c.req.text());
    if (!parsed.ok) {
      return c.json(errorBody(parsed.message, "invalid_request_error", parsed.code, parsed.param), 400);
    }
    const { request } = parsed;
    log.record({ body: request, headers: Object.fromEntries(c.req.raw.headers) });

    const plan = planReply(request, queue.shift(), options);
    const { failure } = plan;
    if (failure?.kind === "http") {
      const message = failure.message ?? `Scripted failure: HTTP ${failure.status}.`;
      const body = errorBody(message, errorTypeFor(failure.status), "scripted_failure");
      return c.json(body, failure.status as ContentfulStatusCode);
    }

    completions += 1;
    const meta = {
      id: `chatcmpl-mock-${completions}`,
      created: Math.floor(Date.now() / 1000),
      model: request.model ?? models[0] ?? "open-chat-mock",
    };
    const res = c.env.outgoing;
    if (request.stream) {
      await streamReply(res, plan, meta, request.stream_options?.include_usage === true);
      return RESPONSE_ALREADY_SENT;
    }
    // Without streaming there is no "after N tokens": abort cuts before any byte, stall never answers.
    if (failure?.kind === "abort") {
      res.destroy();
      return RESPONSE_ALREADY_SENT;
    }
    if (failure?.kind === "stall") {
      await untilClosed(closedSignal(res));
      return RESPONSE_ALREADY_SENT;
    }
    return c.json(completion(meta, plan));
  });

  app.notFound((c) => {
    const message = `Unknown request URL: ${c.req.method} ${c.req.path}.`;
    return c.json(errorBody(message, "invalid_request_error", "unknown_url"), 404);
  });
  app.onError((error, c) => c.json(errorBody(error.message, "server_error", null), 500));
  return app;
}
