/**
 * One place that talks HTTP: URL building, JSON bodies, the bearer token (with one sign-in
 * retry on 401) and turning failures into {@link OpenChatError} / {@link TransportError}.
 */
import { HEADER, readErrorBody } from "@open-chat/shared";
import { OpenChatError, TransportError, isAbort, type RequestRef } from "./errors.js";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpRequest {
  method: string;
  path: string;
  query?: Record<string, string | number | undefined>;
  /** JSON-encoded when present. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface Endpoint {
  baseUrl: string;
  fetch: FetchLike;
  publishableKey?: string;
}

/** Builds `path?query` (relative; also used in error messages). */
export function relativeUrl(request: HttpRequest): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) params.set(name, String(value));
  const query = params.toString();
  return query ? `${request.path}?${query}` : request.path;
}

/**
 * Sends one request as is. Resolves with any HTTP response; rejects with a TransportError when
 * there is none, or with the abort reason when `request.signal` aborted.
 */
export async function sendRaw(endpoint: Endpoint, request: HttpRequest, token?: string | null): Promise<Response> {
  const url = relativeUrl(request);
  const headers: Record<string, string> = { ...request.headers };
  if (token) headers[HEADER.authorization] = `Bearer ${token}`;
  if (endpoint.publishableKey) headers[HEADER.publishableKey] = endpoint.publishableKey;
  if (request.body !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await endpoint.fetch(endpoint.baseUrl + url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: request.signal,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    if (isAbort(error, request.signal)) throw error;
    throw TransportError.fromCause(error, { method: request.method, url });
  }
}

/** Turns a non-2xx response into the right error. Bodies without our error shape from 5xx are transport failures. */
export async function errorFrom(response: Response, ref: RequestRef): Promise<OpenChatError | TransportError> {
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!readErrorBody(body) && response.status >= 500) return TransportError.fromResponse(response, ref);
  return OpenChatError.fromResponse(new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers }), ref);
}

/**
 * Where `createHttp` gets bearer tokens (auth.ts implements it: guest sign-in or your `getToken`).
 * Defined here so that auth depends on http and never the reverse.
 */
export interface TokenSource {
  /** The current token (signing in first if needed). */
  get(): Promise<string | null>;
  /** Called after a 401 with the token that was refused; returns a fresh one or null. */
  refresh(refused: string | null): Promise<string | null>;
}

export interface Http {
  /** An authorized request; resolves with a 2xx response (body unread), else rejects. */
  send(request: HttpRequest): Promise<Response>;
  /** Like `send`, parsing the JSON body (`undefined` for 204). */
  json<T>(request: HttpRequest): Promise<T>;
}

export function createHttp(endpoint: Endpoint & { tokens: TokenSource }): Http {
  async function send(request: HttpRequest): Promise<Response> {
    const ref = { method: request.method, url: relativeUrl(request) };
    let token = await endpoint.tokens.get();
    let response = await sendRaw(endpoint, request, token);
    if (response.status === 401) {
      const fresh = await endpoint.tokens.refresh(token);
      if (fresh && fresh !== token) {
        await response.body?.cancel().catch(() => {});
        token = fresh;
        response = await sendRaw(endpoint, request, token);
      }
    }
    if (!response.ok) throw await errorFrom(response, ref);
    return response;
  }

  return {
    send,
    async json<T>(request: HttpRequest): Promise<T> {
      const response = await send(request);
      if (response.status === 204) return undefined as T;
      try {
        return (await response.json()) as T;
      } catch (error) {
        if (isAbort(error, request.signal)) throw error;
        throw TransportError.fromCause(error, { method: request.method, url: relativeUrl(request) });
      }
    },
  };
}
