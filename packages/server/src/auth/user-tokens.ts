/**
 * End users verified by the tenant's own backend: it signs a short-lived JWT with `sub` = its
 * user id (and optionally `name`, `email`), with HS256 and the tenant's signing secret, or with
 * an asymmetric key (RS256, PS256, ES256, EdDSA) published at the tenant's JWKS URL. `jose` does
 * the cryptography; this module decides which keys and algorithms a tenant's token may use, so
 * that `alg: none` and HS/RS confusion (an RS public key used as an HMAC secret) cannot pass:
 * the secret only ever verifies HS256 and the JWKS only asymmetric algorithms.
 */
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from "jose";
import { DomainError } from "../domain-error.js";

export interface TenantTokenSettings {
  tenantId: string;
  jwtSecret?: string;
  jwksUrl: string | null;
  issuer: string | null;
  audience: string | null;
}

export interface VerifiedIdentity {
  /** The tenant's own user id. */
  subject: string;
  name?: string;
  email?: string;
}

/** A token is an identity for minutes, not a long-lived credential (the session is that). */
export const MAX_TOKEN_LIFETIME_S = 24 * 60 * 60;
export const MAX_TOKEN_LENGTH = 8 * 1024;
const CLOCK_TOLERANCE_S = 30;
const ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];
const SUBJECT = /^[^\u0000-\u001f\u007f]{1,255}$/;
const EMAIL = /^[^\s@\u0000-\u001f]{1,64}@[^\s@\u0000-\u001f]{1,255}$/;

export function createUserTokenVerifier(options: { clock?: () => Date } = {}) {
  const clock = options.clock ?? (() => new Date());
  const jwksByUrl = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  function jwks(url: string) {
    let set = jwksByUrl.get(url);
    if (!set) jwksByUrl.set(url, (set = createRemoteJWKSet(new URL(url), { timeoutDuration: 5_000, cooldownDuration: 30_000 })));
    return set;
  }

  return async function verifyUserToken(tenant: TenantTokenSettings, token: string): Promise<VerifiedIdentity> {
    if (!tenant.jwtSecret && !tenant.jwksUrl) refuse("this site has no end-user verification configured (a JWT secret or JWKS URL)");
    if (token.length > MAX_TOKEN_LENGTH) refuse(`token: longer than ${MAX_TOKEN_LENGTH} characters`);
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      refuse("token: not a JWT");
    }
    const common = {
      currentDate: clock(),
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["sub", "exp"],
      ...(tenant.issuer ? { issuer: tenant.issuer } : {}),
      ...(tenant.audience ? { audience: tenant.audience } : {}),
    };
    let payload: JWTPayload;
    try {
      if (alg === "HS256" && tenant.jwtSecret) {
        payload = (await jwtVerify(token, new TextEncoder().encode(tenant.jwtSecret), { ...common, algorithms: ["HS256"] })).payload;
      } else if (alg && ASYMMETRIC.includes(alg) && tenant.jwksUrl) {
        payload = (await jwtVerify(token, jwks(tenant.jwksUrl), { ...common, algorithms: ASYMMETRIC })).payload;
      } else {
        return refuse(`token: algorithm ${JSON.stringify(alg ?? null)} is not accepted for this site`);
      }
    } catch (error) {
      if (error instanceof DomainError) throw error;
      return refuse(`token: ${reasonOf(error)}`);
    }
    return identityOf(payload, clock());
  };
}

function identityOf(payload: JWTPayload, now: Date): VerifiedIdentity {
  const { sub, exp, iat } = payload;
  if (typeof sub !== "string" || !SUBJECT.test(sub)) refuse("token: sub must be 1 to 255 printable characters");
  const nowS = Math.floor(now.getTime() / 1000);
  const issuedAt = typeof iat === "number" ? Math.min(iat, nowS) : nowS;
  if (typeof exp === "number" && exp - issuedAt > MAX_TOKEN_LIFETIME_S) {
    refuse(`token: lives longer than ${MAX_TOKEN_LIFETIME_S / 3600} hours; sign short-lived tokens (minutes)`);
  }
  const name = optionalClaim(payload.name, "name", 200);
  const email = optionalClaim(payload.email, "email", 320);
  if (email !== undefined && !EMAIL.test(email)) refuse("token: email is not an email address");
  return { subject: sub as string, ...(name !== undefined ? { name } : {}), ...(email !== undefined ? { email } : {}) };
}

function optionalClaim(value: unknown, claim: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) {
    refuse(`token: ${claim} must be a string of at most ${max} printable characters`);
  }
  return value as string;
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} ${error.reason === "check_failed" ? "is not accepted" : error.reason.replaceAll("_", " ")}`;
  if (error instanceof errors.JWKSNoMatchingKey) return "no key of the site's JWKS matches its kid";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "signature does not verify";
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return "the site's JWKS could not be loaded";
  if (error instanceof errors.JOSEError) return error.message;
  return "not a valid JWT";
}

function refuse(message: string): never {
  throw new DomainError("invalid_user_token", message);
}
