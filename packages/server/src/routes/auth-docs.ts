/**
 * OpenAPI descriptions of the end-user auth endpoints (`/v1/auth`, routes/auth.ts). Guest
 * sign-in, sign-out and get-session are answered by Better Auth, so their response schemas here
 * describe Better Auth's answers (the fields clients use); JWT sign-in's request schema is the
 * route's own (`jsonBody(SignInWithJwt)` at the route).
 */
import * as v from "valibot";
import type { DescribeRouteOptions } from "hono-openapi";
import { HEADER } from "@open-chat/shared";
import { END_USER_SECURITY, PUBLISHABLE_KEY_SECURITY, errorResponses, jsonBody, jsonResponse } from "../http/openapi.js";

const SessionUser = v.looseObject({ id: v.string(), name: v.string(), isAnonymous: v.optional(v.nullable(v.boolean())) });
const SignedIn = v.looseObject({ token: v.string(), user: SessionUser });
const JwtSignedIn = v.object({
  token: v.string(),
  user: v.object({ id: v.string(), name: v.string(), email: v.nullable(v.string()), isAnonymous: v.boolean() }),
  /** Chats moved over from the caller's guest session (null when there was none). */
  merged: v.nullable(v.object({ chats: v.number() })),
});
const Session = v.nullable(v.looseObject({ session: v.looseObject({ id: v.string(), userId: v.string(), expiresAt: v.string() }), user: SessionUser }));

const tokenHeader = { [HEADER.authToken]: { description: "The bearer token for later requests (prefer it over the body's `token`)", schema: { type: "string" as const } } };
const common = { tags: ["auth"] } satisfies Partial<DescribeRouteOptions>;

export const AUTH_DOCS: Record<"signInAnonymous" | "signInJwt" | "signOut" | "getSession", DescribeRouteOptions> = {
  signInAnonymous: {
    ...common,
    summary: "Sign in as a guest",
    description: "Creates a guest end user of the site named by the publishable key (where the site allows guests). Body `{}`.",
    security: PUBLISHABLE_KEY_SECURITY,
    requestBody: jsonBody(v.object({}), "An empty object"),
    responses: { 200: { ...jsonResponse("Signed in", SignedIn), headers: tokenHeader }, ...errorResponses(401, 403, 413, 429) },
  },
  signInJwt: {
    ...common,
    summary: "Sign in as a verified end user",
    description:
      "`token` is a short-lived JWT signed by the site's backend (HS256 with the site's secret, or a key of its JWKS URL) with `sub` = the site's user id. With a guest's bearer token as well, the guest's chats move to the verified user, once.",
    security: PUBLISHABLE_KEY_SECURITY,
    responses: { 200: { ...jsonResponse("Signed in", JwtSignedIn), headers: tokenHeader }, ...errorResponses(400, 401, 403, 413, 429) },
  },
  signOut: {
    ...common,
    summary: "Sign out (revokes the session; live tails end at their next session check)",
    security: END_USER_SECURITY,
    responses: { 200: jsonResponse("Signed out", v.looseObject({ success: v.boolean() })), ...errorResponses(401, 403, 413) },
  },
  getSession: {
    ...common,
    summary: "The current session",
    security: END_USER_SECURITY,
    responses: { 200: jsonResponse("The session and its user, or null", Session), ...errorResponses(401, 403) },
  },
};
