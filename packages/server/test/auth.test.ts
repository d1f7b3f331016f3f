import { createTestDatabase, type TestDatabase } from "@open-chat/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth, resolveSession, resolveUser, type Auth } from "../src/auth/auth.js";
import { createDb, type Db } from "../src/db/client.js";
import { applyMigrations } from "../src/db/migrate.js";

const BASE_URL = "http://127.0.0.1:3000";
const SECRET = "test-secret-0123456789-0123456789-abcdef";

let database: TestDatabase;
let db: Db;
let auth: Auth;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: applyMigrations });
  db = createDb({ connectionString: database.url, max: 4 });
  auth = createAuth({ prisma: db.prisma, secret: SECRET, baseURL: BASE_URL });
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

/** What the widget does on a third-party page: no cookies, a foreign Origin. */
async function signInAsGuest(target: Auth = auth) {
  const response = await target.handler(
    new Request(`${BASE_URL}/v1/auth/sign-in/anonymous`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://customer-site.example" },
      body: "{}",
    }),
  );
  const body = (await response.json()) as { token: string; user: { id: string } };
  return { response, body, headerToken: response.headers.get("set-auth-token") };
}

const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` });

describe("end-user auth (Better Auth + anonymous + bearer)", () => {
  it("signs in a guest and hands out a bearer token in set-auth-token", async () => {
    const { response, body, headerToken } = await signInAsGuest();
    expect(response.status).toBe(200);
    expect(body.token).toEqual(expect.any(String));
    expect(headerToken).toEqual(expect.stringContaining("."));
    expect(response.headers.get("access-control-expose-headers")).toContain("set-auth-token");
  });

  it("resolves the session from Authorization: Bearer <set-auth-token>", async () => {
    const { body, headerToken } = await signInAsGuest();
    const session = await resolveSession(auth, bearer(headerToken!));
    expect(session).toEqual({
      userId: body.user.id,
      sessionId: expect.any(String),
      tenantId: "default",
      isAnonymous: true,
    });
    expect(await resolveUser(auth, bearer(headerToken!))).toEqual({ id: body.user.id, tenantId: "default" });
    // The raw token from the JSON body works too (the plugin signs it itself).
    expect((await resolveSession(auth, bearer(body.token)))?.userId).toBe(body.user.id);
  });

  it("creates the user in the default tenant, flagged anonymous", async () => {
    const { body } = await signInAsGuest();
    const user = await db.prisma.user.findUniqueOrThrow({ where: { id: body.user.id } });
    expect(user).toMatchObject({ tenantId: "default", isAnonymous: true });
    expect(await db.prisma.session.count({ where: { userId: user.id } })).toBe(1);
  });

  it("resolves null for a missing, unknown, forged or revoked token", async () => {
    const { body, headerToken } = await signInAsGuest();
    expect(await resolveSession(auth, new Headers())).toBeNull();
    expect(await resolveSession(auth, bearer("not-a-token"))).toBeNull();
    const [token] = headerToken!.split(".");
    expect(await resolveSession(auth, bearer(`${token}.forged-signature`))).toBeNull();
    // A token signed with another secret is rejected too.
    const other = createAuth({ prisma: db.prisma, secret: `${SECRET}-other`, baseURL: BASE_URL });
    expect(await resolveSession(other, bearer(headerToken!))).toBeNull();

    await db.prisma.session.deleteMany({ where: { userId: body.user.id } });
    expect(await resolveSession(auth, bearer(headerToken!))).toBeNull();
  });

  it("assigns the tenant chosen by resolveTenantId", async () => {
    await db.prisma.tenant.create({ data: { id: "acme", name: "Acme" } });
    const acmeAuth = createAuth({ prisma: db.prisma, secret: SECRET, baseURL: BASE_URL, resolveTenantId: () => "acme" });
    const { body, headerToken } = await signInAsGuest(acmeAuth);
    expect(await resolveSession(acmeAuth, bearer(headerToken!))).toMatchObject({ userId: body.user.id, tenantId: "acme" });
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: body.user.id } })).tenantId).toBe("acme");
  });
});
