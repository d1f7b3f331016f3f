import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { DomainError, type DomainErrorCode } from "../src/domain-error.js";
import { renderError } from "../src/http/render-error.js";

/** Each domain error code, and the HTTP answer the API has always given for it. */
const expected: Array<[DomainErrorCode, number, string]> = [
  ["chat_not_found", 404, "chat_not_found"],
  ["lease_conflict", 409, "generation_in_progress"],
  ["send_in_progress", 409, "conflict"],
  ["invalid_cursor", 400, "invalid_request"],
  ["log_unavailable", 503, "streams_unavailable"],
  ["model_not_allowed", 400, "model_not_allowed"],
  ["insufficient_credits", 402, "insufficient_credits"],
  ["model_unpriced", 400, "model_unpriced"],
];

describe("domain errors over HTTP", () => {
  it.each(expected)("renders %s as %i %s with the module's message", async (code, status, apiCode) => {
    const app = new Hono().get("/", () => {
      throw new DomainError(code, `message of ${code}`);
    });
    app.onError(renderError);
    const res = await app.request("/");
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error: { code: apiCode, message: `message of ${code}` } });
  });
});
