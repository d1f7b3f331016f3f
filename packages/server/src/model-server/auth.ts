/**
 * Bearer-key check with OpenAI's 401 body. Hono's own `bearerAuth` answers in its own shape; the
 * `openai` SDK only maps the status, but code that logs `error.code` should see what OpenAI sends.
 */
import type { MiddlewareHandler } from "hono";
import { errorBody } from "./wire.js";

export function requireApiKey(options: { apiKey: string }): MiddlewareHandler {
  if (options.apiKey.length === 0) throw new Error("requireApiKey: apiKey must not be empty");
  const expected = `Bearer ${options.apiKey}`;
  return async function requireApiKey(c, next) {
    const given = c.req.header("authorization");
    if (given === expected) return next();
    const message = given
      ? "Incorrect API key provided."
      : "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.";
    return c.json(errorBody(message, "invalid_request_error", "invalid_api_key"), 401);
  };
}
