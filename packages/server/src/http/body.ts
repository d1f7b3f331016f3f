/**
 * Request bodies: a size limit on every route, enforced while the body streams in (`bodyLimits`,
 * before any handler or Better Auth reads it), and JSON parsing with the API's error codes:
 * malformed JSON is `400 invalid_json`, a body over the limit is `413 payload_too_large`, a body
 * of the wrong shape is `400 invalid_request` naming the field.
 *
 * @example
 * app.use("*", bodyLimits()); // before requireTenant: it may replace c.req.raw
 * const body = await readJson(c, CreateChat);
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as v from "valibot";
import { API_PATH } from "@open-chat/shared";
import { ApiError } from "./api-error.js";

/** Largest JSON body of the chat API (a 32,000-character message of 4-byte characters fits). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Largest body under /v1/auth: a sign-in is `{}` or one JWT (at most 8 KB). */
export const MAX_AUTH_BODY_BYTES = 16 * 1024;
/** Largest body of the admin API: a tenant with a 20,000-character system prompt fits. */
export const MAX_ADMIN_BODY_BYTES = 128 * 1024;

/**
 * One body limit per request, chosen by path: /v1/auth, /v1/admin, everything else. A chunked
 * body is counted by hono's `bodyLimit` as it arrives, stopping at the limit: a 50 MB upload is
 * never held in memory; the body it read is handed on as `c.req.raw`, so this runs before
 * anything that keys on that Request object (requireTenant). A body of declared length is
 * judged by its Content-Length alone, as hono's limit does too (Node never hands over more
 * bytes than it declares) — but here without asking for the body first: that ask makes
 * @hono/node-server build a whole web Request, and the handler then reads the body through its
 * web stream instead of node-server's direct read (~0.2 ms of CPU per send).
 */
export function bodyLimits(): MiddlewareHandler {
  const limitOf = (path: string) => LIMITS_BY_PREFIX.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`))?.[1] ?? MAX_BODY_BYTES;
  const refuse = (c: Context, maxBytes: number): never => {
    // The rest of the body is never read, so this connection cannot carry another request:
    // the client is told (a kept-alive socket would be cut under its next request).
    c.header("Connection", "close");
    throw tooLarge(maxBytes);
  };
  const counting = new Map(
    [MAX_AUTH_BODY_BYTES, MAX_ADMIN_BODY_BYTES, MAX_BODY_BYTES].map((maxBytes) => [maxBytes, bodyLimit({ maxSize: maxBytes, onError: (c) => refuse(c, maxBytes) })]),
  );
  return async function bodyLimits(c, next) {
    // A GET or HEAD has no body to limit. Asking for one (`c.req.raw.body`, hono's first step)
    // makes @hono/node-server build a whole web Request for it, and node-server keeps that
    // until the connection closes: on a live tail, for hours (~3 KB each).
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const maxBytes = limitOf(c.req.path);
    const headers = c.req.raw.headers;
    if (headers.has("transfer-encoding")) await counting.get(maxBytes)!(c, next);
    else if (Number(headers.get("content-length") ?? 0) > maxBytes) refuse(c, maxBytes);
    else await next();
    // An answer given before the body was read (a 401 before the JSON, a 413): the server drops
    // the unread rest and, if it takes long to arrive, the connection (@hono/node-server drains
    // for 500 ms). The client is told not to send another request on it.
    const incoming = (c.env as { incoming?: { readableEnded?: boolean } } | undefined)?.incoming;
    if (incoming?.readableEnded === false && hasBody(headers)) c.res.headers.set("Connection", "close");
  };
}

/** Paths with a limit of their own (everything else: MAX_BODY_BYTES). */
const LIMITS_BY_PREFIX: ReadonlyArray<readonly [prefix: string, maxBytes: number]> = [
  [API_PATH.auth, MAX_AUTH_BODY_BYTES],
  [API_PATH.admin, MAX_ADMIN_BODY_BYTES],
];

export async function readJson<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const declared = Number(c.req.header("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge(MAX_BODY_BYTES);
  // bodyLimits has already cut off anything longer while it streamed in; this is a second check.
  const raw = await c.req.text();
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw tooLarge(MAX_BODY_BYTES);
  let value: unknown;
  try {
    value = raw === "" ? {} : JSON.parse(raw);
  } catch {
    throw new ApiError(400, "invalid_json", "request body is not valid JSON");
  }
  const result = v.safeParse(schema, value);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".");
    throw new ApiError(400, "invalid_request", path ? `${path}: ${issue.message}` : issue.message);
  }
  return result.output;
}

function hasBody(headers: Headers): boolean {
  return headers.has("transfer-encoding") || Number(headers.get("content-length") ?? 0) > 0;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, "payload_too_large", `request body exceeds ${maxBytes} bytes`);
}
