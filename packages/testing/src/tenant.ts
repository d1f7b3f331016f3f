/** A tenant (site) with a publishable and a secret key, made through the server's own store. */
import type { Services } from "@open-chat/server";

export interface TestTenant {
  id: string;
  origin: string;
  publishableKey: string;
  secretKey: string;
}

export async function createTestTenant(
  services: Services,
  options: { origin?: string; guestsAllowed?: boolean; jwtSecret?: string; jwksUrl?: string; name?: string } = {},
): Promise<TestTenant> {
  const origin = options.origin ?? "https://shop.example";
  const tenant = await services.tenants.create({
    name: options.name ?? "Test shop",
    allowedOrigins: [origin],
    ...(options.guestsAllowed !== undefined ? { guestsAllowed: options.guestsAllowed } : {}),
    ...(options.jwtSecret || options.jwksUrl ? { jwt: { ...(options.jwtSecret ? { secret: options.jwtSecret } : {}), ...(options.jwksUrl ? { jwksUrl: options.jwksUrl } : {}) } } : {}),
  });
  const publishable = await services.tenants.createKey(tenant.id, "publishable", "test page");
  const secret = await services.tenants.createKey(tenant.id, "secret", "test backend");
  return { id: tenant.id, origin, publishableKey: publishable.key, secretKey: secret.key };
}
