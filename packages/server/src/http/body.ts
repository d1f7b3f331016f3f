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
 * One body limit per request, chosen by path: /v1/auth, /v1/admin, everything else. hono's
 * `bodyLimit` trusts a Content-Length (Node never hands over more bytes than it declares) and
 * counts a chunked body as it arrives, stopping at the limit: a 50 MB upload is never held in
 * memory. The body it read is handed on as `c.req.raw`, so this runs before anything that keys
 * on that Request object (requireTenant).
 */
export function bodyLimits(): MiddlewareHandler {
  const limited = (maxBytes: number) =>
    bodyLimit({
      maxSize: maxBytes,
      onError: (c) => {
        // The rest of the body is never read, so this connection cannot carry another request:
        // the client is told (a kept-alive socket would be cut under its next request).
        c.header("Connection", "close");
        throw tooLarge(maxBytes);
      },
    });
  const byPrefix: Array<[prefix: string, limit: MiddlewareHandler]> = [
    [API_PATH.auth, limited(MAX_AUTH_BODY_BYTES)],
    [API_PATH.admin, limited(MAX_ADMIN_BODY_BYTES)],
  ];
  const rest = limited(MAX_BODY_BYTES);
  return async function bodyLimits(c, next) {
    // A GET or HEAD has no body to limit. Asking for one (`c.req.raw.body`, hono's first step)
    // makes @hono/node-server build a whole web Request for it, and node-server keeps that
    // until the connection closes: on a live tail, for hours (~3 KB each).
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const path = c.req.path;
    const match = byPrefix.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`));
    await (match?.[1] ?? rest)(c, next);
    // An answer given before the body was read (a 401 before the JSON, a 413): the server drops
    // the unread rest and, if it takes long to arrive, the connection (@hono/node-server drains
    // for 500 ms). The client is told not to send another request on it.
    const incoming = (c.env as { incoming?: { readableEnded?: boolean } } | undefined)?.incoming;
    if (incoming?.readableEnded === false && hasBody(c.req.raw.headers)) c.res.headers.set("Connection", "close");
  };
}

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
