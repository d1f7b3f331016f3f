/**
 * The OpenAPI 3.1 document of the API, generated (hono-openapi) from the app's own routes: each
 * handler carries a `describeRoute(...)` whose request and response schemas are the valibot
 * schemas the handler validates with (`jsonBody(Schema)`), so the document cannot drift from
 * what the server accepts. This module holds the document's frame (security schemes, the one
 * `Error` schema) and the small helpers route files use to describe themselves.
 *
 * @example
 * .post("/", describeRoute({ summary: "Create a chat", security: END_USER, requestBody: jsonBody(CreateChat),
 *   responses: { 201: jsonResponse("The chat", ChatJson), ...errorResponses(400, 401) } }), handler)
 */
import type { Hono } from "hono";
import { generateSpecs, resolver, type DescribeRouteOptions } from "hono-openapi";
import * as v from "valibot";
import { ERROR_CODES, HEADER } from "@open-chat/shared";

type Responses = NonNullable<DescribeRouteOptions["responses"]>;
type Security = NonNullable<DescribeRouteOptions["security"]>;
type RequestBody = NonNullable<DescribeRouteOptions["requestBody"]>;

/** Names of the security schemes in `components.securitySchemes`. */
export const SECURITY_SCHEME = {
  /** Better Auth session token (`set-auth-token` of a sign-in) as `Authorization: Bearer`. */
  session: "sessionToken",
  /** A tenant's publishable key `pk_…` in `X-Open-Chat-Key` (browsers). */
  publishableKey: "publishableKey",
  /** A tenant's secret key `sk_…` or the operator key as `Authorization: Bearer` (admin API). */
  admin: "adminKey",
} as const;

/** End-user routes: a session, plus the site's publishable key once the server has tenants. */
export const END_USER_SECURITY: Security = [
  { [SECURITY_SCHEME.session]: [], [SECURITY_SCHEME.publishableKey]: [] },
  { [SECURITY_SCHEME.session]: [] },
];
/** Browser routes before a session exists (guest or JWT sign-in). */
export const PUBLISHABLE_KEY_SECURITY: Security = [{ [SECURITY_SCHEME.publishableKey]: [] }, {}];
export const ADMIN_SECURITY: Security = [{ [SECURITY_SCHEME.admin]: [] }];

/** `{ error: { code, message } }`: the body of every non-2xx response (one `Error` component). */
export const ErrorBodySchema = v.pipe(
  v.object({
    error: v.object({
      code: v.picklist(ERROR_CODES),
      message: v.string(),
      /** On retryable errors (e.g. a busy chat): when a retry may succeed; also `Retry-After`. */
      retryAfterMs: v.optional(v.number()),
    }),
  }),
  v.metadata({ ref: "Error" }),
);

const ERROR_REF = { $ref: "#/components/schemas/Error" };

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request (`invalid_request`, `invalid_json`, …)",
  401: "Missing, invalid or revoked credentials",
  402: "Billing is on and an account the answer is paid from cannot cover its maximum cost, or the user's daily limit is reached (`insufficient_credits`); nothing was recorded, the same send succeeds after a top-up",
  403: "Not allowed for these credentials",
  404: "Not found (also for objects of other users or tenants)",
  409: "Conflict with the current state",
  413: "Request body too large (`payload_too_large`)",
  429: "A rate limit, quota or connection budget is used up (`rate_limited`); `Retry-After` and `error.retryAfterMs` say when to retry",
  503: "A dependency (the streams tier) is unavailable; retry",
};

/** A JSON request body validated by `schema` (the same schema object the handler parses with). */
export function jsonBody(schema: v.GenericSchema, description?: string): RequestBody {
  return { required: true, ...(description ? { description } : {}), content: { "application/json": { schema: resolver(schema) } } };
}

/** A JSON response of the shape `schema`. */
export function jsonResponse(description: string, schema: v.GenericSchema): Responses[string] {
  return { description, content: { "application/json": { schema: resolver(schema) } } };
}

/** Error responses by status, each `{ error: { code, message } }` (the `Error` schema). */
export function errorResponses(...statuses: number[]): Responses {
  const responses: Responses = {};
  for (const status of statuses) {
    responses[status] = {
      description: ERROR_DESCRIPTIONS[status] ?? "Error",
      content: { "application/json": { schema: ERROR_REF } },
    };
  }
  return responses;
}

/**
 * Builds the document of `app` from its routes at the time of the call: call it once every
 * route is mounted (routes/openapi.ts builds it on the first request and keeps it).
 */
export type OpenApiDocument = Awaited<ReturnType<typeof generateSpecs>>;

export async function buildOpenApiDocument(app: Hono<any, any, any>): Promise<OpenApiDocument> {
  // The `Error` component, from the schema above (its `ref` metadata names it).
  const schemas = (await resolver(ErrorBodySchema).toOpenAPISchema()).components?.schemas ?? {};
  return generateSpecs(app, {
    // Our own path ends in `.json`; nothing here serves static files.
    excludeStaticFile: false,
    defaultValidationErrorResponse: { description: ERROR_DESCRIPTIONS[400]!, content: { "application/json": { schema: ERROR_REF } } },
    documentation: {
      info: {
        title: "Open Chat API",
        version: "1",
        description:
          "End-user chat API (sessions from /v1/auth, publishable key `X-Open-Chat-Key` from browsers) and the admin API (`/v1/admin`, a tenant's secret key or the operator key). Every error is `{ error: { code, message } }`. The chat tail's wire format is in PROTOCOL.md.",
      },
      tags: [
        { name: "auth", description: "End-user sign-in (Better Auth)" },
        { name: "chats", description: "The signed-in end user's chats, sends and the chat tail" },
        { name: "admin", description: "Tenants, keys, end users and usage (secret or operator key)" },
        { name: "meta", description: "Health and this document" },
      ],
      components: {
        schemas,
        securitySchemes: {
          [SECURITY_SCHEME.session]: { type: "http", scheme: "bearer", description: "Session token from a sign-in (`set-auth-token` response header)" },
          [SECURITY_SCHEME.publishableKey]: { type: "apiKey", in: "header", name: HEADER.publishableKey, description: "The site's publishable key `pk_…` (required once the server has tenants)" },
          [SECURITY_SCHEME.admin]: { type: "http", scheme: "bearer", description: "A tenant's secret key `sk_…` (that tenant only) or the operator key (all tenants)" },
        },
      },
    },
  });
}
