/**
 * The end-user auth endpoints under /v1/auth: guest sign-in (Better Auth's anonymous plugin,
 * allowed only where the site allows guests), sign-in with a site-signed JWT (ours: verified end
 * users, merging the guest's chats), sign-out and get-session (Better Auth). Nothing else of
 * Better Auth's surface is exposed. `requireTenant` has run: `c.var.tenant` is the site.
 */
import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import { API_PATH, HEADER } from "@open-chat/shared";
import type { AppEnv, EndUser } from "../env.js";
import { resolveSession } from "../auth/auth.js";
import { apiShaped, withoutCookies } from "../auth/bearer-only.js";
import { MAX_TOKEN_LENGTH, type createUserTokenVerifier } from "../auth/user-tokens.js";
import { createSessionFor, upsertVerifiedUser } from "../auth/verified-users.js";
import { DomainError } from "../domain-error.js";
import { readJson } from "../http/body.js";
import { jsonBody } from "../http/openapi.js";
import type { Services } from "../services.js";
import { mergeGuestInto } from "../users/merge-guest.js";
import { AUTH_DOCS } from "./auth-docs.js";

const SignInWithJwt = v.object({ token: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TOKEN_LENGTH)) });

/** Route paths relative to API_PATH.auth. */
const path = (full: string) => full.slice(API_PATH.auth.length);

export function authRoutes(services: Services, verifyUserToken: ReturnType<typeof createUserTokenVerifier>) {
  const { auth, prisma } = services;
  return new Hono<AppEnv>()
    .post(path(API_PATH.signInAnonymous), describeRoute(AUTH_DOCS.signInAnonymous), async (c) => {
      if (!c.var.tenant.guestsAllowed) throw new DomainError("guests_not_allowed", "this site does not allow guests: sign in with your account on the site");
      return apiShaped(await auth.handler(withoutCookies(c.req.raw)));
    })
    .post(path(API_PATH.signInJwt), describeRoute({ ...AUTH_DOCS.signInJwt, requestBody: jsonBody(SignInWithJwt) }), async (c) => {
      const { token } = await readJson(c, SignInWithJwt);
      const tenantId = c.var.tenant.tenantId;
      const tenant = await services.tenants.get(tenantId);
      const secrets = await services.tenants.tenantSecrets(tenantId);
      const identity = await verifyUserToken(
        { tenantId, jwtSecret: secrets.jwtSecret, jwksUrl: tenant?.jwt.jwksUrl ?? null, issuer: tenant?.jwt.issuer ?? null, audience: tenant?.jwt.audience ?? null },
        token,
      );
      const userId = await upsertVerifiedUser(prisma, tenantId, identity);
      const user: EndUser = { id: userId, tenantId };
      // The caller's guest session (if any, of this site) hands its chats over, exactly once.
      const guest = await resolveSession(auth, c.req.raw.headers);
      const merged = guest?.isAnonymous && guest.tenantId === tenantId ? await mergeGuestInto(services, { id: guest.userId, tenantId }, user) : null;
      const sessionToken = await createSessionFor(auth, userId, c.req.raw);
      const row = await prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { name: true, contactEmail: true } });
      c.header(HEADER.authToken, sessionToken);
      c.header("Cache-Control", "no-store");
      return c.json({
        token: sessionToken,
        user: { id: userId, name: row.name, email: row.contactEmail, isAnonymous: false },
        merged: merged === null ? null : { chats: merged },
      });
    })
    .post(path(API_PATH.signOut), describeRoute(AUTH_DOCS.signOut), async (c) => {
      const session = await resolveSession(auth, c.req.raw.headers);
      if (session && session.tenantId !== c.var.tenant.tenantId) {
        throw new DomainError("session_tenant_mismatch", "this session belongs to another site than the publishable key of the request");
      }
      return apiShaped(await auth.handler(withoutCookies(c.req.raw)));
    })
    .get(path(API_PATH.getSession), describeRoute(AUTH_DOCS.getSession), async (c) => {
      const session = await resolveSession(auth, c.req.raw.headers);
      // Another site's session reads as no session here (nothing about it leaks).
      if (session && session.tenantId !== c.var.tenant.tenantId) return c.json(null);
      return apiShaped(await auth.handler(withoutCookies(c.req.raw)));
    });
}
