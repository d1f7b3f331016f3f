/** What a site's backend does for `identify()`: an HS256 JWT of its user, signed with the site's secret. */
import { createHmac } from "node:crypto";

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export function signUserToken(secret: string, claims: { sub: string; name?: string; email?: string; expiresInS?: number }): string {
  const now = Math.floor(Date.now() / 1000);
  const { expiresInS = 300, ...rest } = claims;
  const unsigned = `${part({ alg: "HS256", typ: "JWT" })}.${part({ ...rest, iat: now, exp: now + expiresInS })}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}
