/**
 * Better Auth speaks cookies as well as bearer tokens; our API is bearer-only (a widget on a
 * third-party page cannot rely on cookies, and a cookie that authenticates invites cross-site
 * requests). Requests reach Better Auth without their `Cookie` header, its answers leave without
 * `Set-Cookie`, and its errors leave in the API's one shape, `{ error: { code, message } }`.
 */
import { HEADER, type ErrorCode } from "@open-chat/shared";
import { errorBody } from "../http/api-error.js";

/** The same request without cookies (the body stream is handed over, not read). */
export function withoutCookies(request: Request): Request {
  if (!request.headers.has("cookie")) return request;
  const headers = new Headers(request.headers);
  headers.delete("cookie");
  return new Request(request, { headers });
}

/** Only the bearer token, for session lookups: a cookie never authenticates. */
export function bearerHeaders(headers: Headers): Headers {
  const authorization = headers.get(HEADER.authorization);
  return new Headers(authorization ? { authorization } : {});
}

const CODE_BY_STATUS: Record<number, ErrorCode> = { 400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 413: "payload_too_large", 429: "rate_limited" };

/** Better Auth's response, minus cookies, with its errors in the API's shape; never cached. */
export async function apiShaped(response: Response): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.delete("set-cookie");
  headers.set("Cache-Control", "no-store");
  if (response.ok) return new Response(response.body, { status: response.status, headers });
  const text = await response.text().catch(() => "");
  let message = `request failed (${response.status})`;
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed?.message === "string" && parsed.message) message = parsed.message.slice(0, 500);
  } catch {
    // not JSON: keep the generic message
  }
  const status = response.status >= 500 ? 500 : response.status;
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? "internal" : "invalid_request");
  headers.set("Content-Type", "application/json");
  headers.delete("content-length");
  return new Response(JSON.stringify(errorBody(code, status >= 500 ? "internal server error" : message)), { status, headers });
}
