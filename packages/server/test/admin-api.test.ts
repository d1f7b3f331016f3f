/**
 * The admin API's tenants and keys over real HTTP (real Postgres, streams tier, model server):
 * every route's happy path, every way in that must fail (no key, publishable key, revoked or
 * made-up secret key, session token, another tenant's key, operator-only routes with a secret
 * key), and secrets that never reach the database or a response in plain text.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PATH, HEADER } from "@open-chat/shared";
import { signInAsGuest, startTestServer, type TestServer } from "@open-chat/testing";
import { apiClient } from "./helpers/api.js";

const OPERATOR_KEY = "operator-key-".padEnd(48, "x");
const PROVIDER_KEY = "provider-api-key-that-must-stay-sealed";
const JWT_SECRET = "jwt-signing-secret-that-must-stay-sealed-0123";
const ADMIN = API_PATH.admin;

let server: TestServer;
let operator: ReturnType<typeof apiClient>;
/** Every full key value the tests were given: none may appear in the database. */
const issuedKeys: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ settings: { operatorKey: OPERATOR_KEY } });
  operator = apiClient(server.url, OPERATOR_KEY);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

async function createTenant(body: Record<string, unknown>) {
  const reply = await operator.call("POST", `${ADMIN}/tenants`, body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as { id: string };
}

async function createKey(tenantId: string, kind: "publishable" | "secret", name?: string) {
  const reply = await operator.call("POST", `${ADMIN}/tenants/${tenantId}/keys`, { kind, ...(name ? { name } : {}) });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  issuedKeys.push(reply.body.key);
  return reply.body as { id: string; key: string; display: string };
}

describe("tenants", () => {
  it("the operator creates a tenant with every setting; the answer shows no secret", async () => {
    const reply = await operator.call("POST", `${ADMIN}/tenants`, {
      id: "acme",
      name: "  Acme Shop  ",
      allowedOrigins: ["https://shop.example/", "http://127.0.0.1:3001"],
      guestsAllowed: false,
      modelPolicy: { defaultModel: "test-model", allowedModels: ["test-model", "big-model"], maxOutputTokens: 256 },
      limits: { sendsPerMinute: 10, chatsPerDay: 50 },
      billing: { endUserAccounts: true, guestBudgetMicroUsd: 50_000 },
      provider: { baseUrl: "https://llm.example/v1", apiKey: PROVIDER_KEY },
      jwt: { secret: JWT_SECRET, issuer: "https://acme.example", audience: "open-chat" },
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get("cache-control")).toBe("no-store");
    expect(reply.body).toEqual({
      id: "acme",
      name: "Acme Shop",
      allowedOrigins: ["https://shop.example", "http://127.0.0.1:3001"],
      guestsAllowed: false,
      modelPolicy: { defaultModel: "test-model", allowedModels: ["test-model", "big-model"], maxOutputTokens: 256 },
      limits: { sendsPerMinute: 10, chatsPerDay: 50 },
      billing: { endUserAccounts: true, guestBudgetMicroUsd: 50_000 },
      provider: { baseUrl: "https://llm.example/v1", hasApiKey: true },
      jwt: { hasSecret: true, jwksUrl: null, issuer: "https://acme.example", audience: "open-chat" },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(JSON.stringify(reply.body)).not.toContain(PROVIDER_KEY);
    expect(JSON.stringify(reply.body)).not.toContain(JWT_SECRET);
  });

  it("refuses an id that exists with 409 conflict", async () => {
    await createTenant({ id: "taken", name: "First" });
    const again = await operator.call("POST", `${ADMIN}/tenants`, { id: "taken", name: "Second" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
    const builtIn = await operator.call("POST", `${ADMIN}/tenants`, { id: "default", name: "Mine now" });
    expect(builtIn.status).toBe(409);
  });

  it("makes an id from the name when none is given, and takes http JWKS URLs on this machine", async () => {
    const tenant = await createTenant({ name: "Blue Bikes GmbH", jwt: { jwksUrl: "http://localhost:9999/jwks.json" } });
    expect(tenant.id).toMatch(/^blue-bikes-gmbh-[a-z0-9]{6}$/);
    expect(tenant).toMatchObject({ allowedOrigins: [], guestsAllowed: true, modelPolicy: {}, limits: {}, provider: null, jwt: { hasSecret: false, jwksUrl: "http://localhost:9999/jwks.json" } });
  });

  it("lists every tenant for the operator and shows one", async () => {
    const list = await operator.call("GET", `${ADMIN}/tenants`);
    expect(list.status).toBe(200);
    expect(list.body.tenants.map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining(["default", "acme", "taken"]));
    const shown = await operator.call("GET", `${ADMIN}/tenants/acme`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(list.body.tenants.find((t: { id: string }) => t.id === "acme"));
  });

  it("updates fields one by one; null removes the provider and JWT settings", async () => {
    await createTenant({ id: "patchy", name: "Patchy", provider: { baseUrl: "https://llm.example/v1", apiKey: PROVIDER_KEY }, jwt: { secret: JWT_SECRET, issuer: "iss" } });
    const renamed = await operator.call("PATCH", `${ADMIN}/tenants/patchy`, { name: "Patchy 2", allowedOrigins: ["https://patchy.example"] });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "Patchy 2", allowedOrigins: ["https://patchy.example"], provider: { hasApiKey: true }, jwt: { hasSecret: true, issuer: "iss" } });
    const cleared = await operator.call("PATCH", `${ADMIN}/tenants/patchy`, { provider: null, jwt: { secret: null, issuer: null, jwksUrl: "https://idp.example/jwks.json" } });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ name: "Patchy 2", provider: null, jwt: { hasSecret: false, jwksUrl: "https://idp.example/jwks.json", issuer: null, audience: null } });
    const policy = await operator.call("PATCH", `${ADMIN}/tenants/patchy`, { modelPolicy: { maxOutputTokens: 100 } });
    expect(policy.body.modelPolicy).toEqual({ maxOutputTokens: 100 });
    const unknown = await operator.call("PATCH", `${ADMIN}/tenants/no-such-tenant`, { name: "x" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("tenant_not_found");
  });
});

describe("keys", () => {
  it("creates publishable and secret keys; the full key is in the create answer only", async () => {
    const pk = await createKey("acme", "publishable", "shop pages");
    expect(pk).toMatchObject({ tenantId: "acme", kind: "publishable", name: "shop pages", revokedAt: null, lastUsedAt: null });
    expect(pk.key).toMatch(/^pk_[\w-]{43}$/);
    expect(pk.display).toBe(pk.key);
    const sk = await createKey("acme", "secret", "backend");
    expect(sk.key).toMatch(/^sk_[\w-]{43}$/);
    expect(sk.display).toBe(`sk_…${sk.key.slice(-4)}`);
    expect(Object.keys(sk)).toEqual(["id", "tenantId", "kind", "key", "display", "name", "createdAt", "revokedAt", "lastUsedAt"]);

    const list = await operator.call("GET", `${ADMIN}/tenants/acme/keys`);
    expect(list.status).toBe(200);
    const listed = list.body.keys.find((k: { id: string }) => k.id === sk.id);
    expect(listed).toEqual({ ...sk, key: undefined, createdAt: expect.any(String) });
    expect(list.body.keys.every((k: object) => !("key" in k))).toBe(true);
    expect(JSON.stringify(list.body)).not.toContain(sk.key);
  });

  it("rotates a key: a new key of the same kind and name, the old one revoked and refused", async () => {
    const old = await createKey("acme", "secret", "rotating");
    expect((await apiClient(server.url, old.key).call("GET", `${ADMIN}/tenants/acme`)).status).toBe(200);
    const rotated = await operator.call("POST", `${ADMIN}/tenants/acme/keys/${old.id}/rotate`);
    expect(rotated.status).toBe(201);
    issuedKeys.push(rotated.body.key);
    expect(rotated.body).toMatchObject({ kind: "secret", name: "rotating", revokedAt: null });
    expect(rotated.body.id).not.toBe(old.id);
    expect((await apiClient(server.url, old.key).call("GET", `${ADMIN}/tenants/acme`)).status).toBe(401);
    expect((await apiClient(server.url, rotated.body.key).call("GET", `${ADMIN}/tenants/acme`)).status).toBe(200);
    const keys = (await operator.call("GET", `${ADMIN}/tenants/acme/keys`)).body.keys;
    expect(keys.find((k: { id: string }) => k.id === old.id).revokedAt).toEqual(expect.any(String));
    const again = await operator.call("POST", `${ADMIN}/tenants/acme/keys/${old.id}/rotate`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe("key_not_found");
  });

  it("revokes a key (twice is fine); an unknown key is 404 key_not_found", async () => {
    const key = await createKey("acme", "publishable");
    const revoked = await operator.call("DELETE", `${ADMIN}/tenants/acme/keys/${key.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: key.id, kind: "publishable", revokedAt: expect.any(String) });
    expect(revoked.body.key).toBeUndefined();
    const twice = await operator.call("DELETE", `${ADMIN}/tenants/acme/keys/${key.id}`);
    expect(twice.status).toBe(200);
    expect(twice.body.revokedAt).toBe(revoked.body.revokedAt);
    const unknown = await operator.call("DELETE", `${ADMIN}/tenants/acme/keys/key_doesnotexist`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("key_not_found");
    const elsewhere = await operator.call("DELETE", `${ADMIN}/tenants/taken/keys/${key.id}`);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error.code).toBe("key_not_found");
  });
});

describe("who may call", () => {
  it("refuses a request without a key, with another scheme, or with an unknown key: 401 invalid_key", async () => {
    for (const authorization of [undefined, "", "Basic b3BlcmF0b3I6eA==", "Bearer", `Bearer ${OPERATOR_KEY}x`, `Bearer sk_${"A".repeat(43)}`, "Bearer sk_short"]) {
      const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization };
      const response = await fetch(`${server.url}${ADMIN}/tenants`, { headers });
      expect(response.status, String(authorization)).toBe(401);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("invalid_key");
    }
  });

  it("refuses a publishable key, saying it is for browsers", async () => {
    const pk = await createKey("acme", "publishable");
    const reply = await apiClient(server.url, pk.key).call("GET", `${ADMIN}/tenants/acme`);
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe("invalid_key");
    expect(reply.body.error.message).toMatch(/publishable key.*browsers/);
  });

  it("refuses a revoked secret key", async () => {
    const sk = await createKey("acme", "secret");
    await operator.call("DELETE", `${ADMIN}/tenants/acme/keys/${sk.id}`);
    const reply = await apiClient(server.url, sk.key).call("GET", `${ADMIN}/tenants/acme`);
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe("invalid_key");
  });

  it("refuses an end user's session token", async () => {
    const pk = await createKey("taken", "publishable");
    const token = await signInAsGuest(server.url, { publishableKey: pk.key });
    expect((await apiClient(server.url, token).call("GET", "/v1/chats", undefined, { headers: { [HEADER.publishableKey]: pk.key } })).status).toBe(200);
    const reply = await apiClient(server.url, token).call("GET", `${ADMIN}/tenants`);
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe("invalid_key");
  });

  it("a secret key sees its own tenant only: every other tenant is 404, never 403", async () => {
    const sk = await createKey("acme", "secret", "scoped");
    const acme = apiClient(server.url, sk.key);
    const list = await acme.call("GET", `${ADMIN}/tenants`);
    expect(list.status).toBe(200);
    expect(list.body.tenants.map((t: { id: string }) => t.id)).toEqual(["acme"]);
    expect((await acme.call("GET", `${ADMIN}/tenants/acme`)).status).toBe(200);
    expect((await acme.call("PATCH", `${ADMIN}/tenants/acme`, { guestsAllowed: true })).body.guestsAllowed).toBe(true);

    const otherKey = await createKey("taken", "secret");
    const routes: Array<[string, string, unknown?]> = [
      ["GET", `${ADMIN}/tenants/taken`],
      ["PATCH", `${ADMIN}/tenants/taken`, { name: "stolen" }],
      ["POST", `${ADMIN}/tenants/taken/keys`, { kind: "secret" }],
      ["GET", `${ADMIN}/tenants/taken/keys`],
      ["POST", `${ADMIN}/tenants/taken/keys/${otherKey.id}/rotate`],
      ["DELETE", `${ADMIN}/tenants/taken/keys/${otherKey.id}`],
      ["GET", `${ADMIN}/tenants/taken/users`],
      ["GET", `${ADMIN}/tenants/taken/users/someone`],
      ["DELETE", `${ADMIN}/tenants/taken/users/someone`],
      ["GET", `${ADMIN}/tenants/taken/users/someone/chats`],
      ["GET", `${ADMIN}/tenants/taken/users/someone/chats/chat_x`],
      ["GET", `${ADMIN}/tenants/taken/usage`],
    ];
    for (const [method, path, body] of routes) {
      for (const tenant of ["taken", "no-such-tenant"]) {
        const reply = await acme.call(method, path.replace("/taken", `/${tenant}`), body);
        expect(reply.status, `${method} ${path} (${tenant})`).toBe(404);
        expect(reply.body).toEqual({ error: { code: "tenant_not_found", message: `no tenant ${tenant}` } });
      }
    }
    // Nothing changed in the other tenant.
    expect((await operator.call("GET", `${ADMIN}/tenants/taken`)).body.name).toBe("First");
    const takenKeys = (await operator.call("GET", `${ADMIN}/tenants/taken/keys`)).body.keys;
    expect(takenKeys.find((k: { id: string }) => k.id === otherKey.id).revokedAt).toBeNull();
  });

  it("operator-only routes answer a secret key 403 forbidden", async () => {
    const sk = await createKey("acme", "secret");
    const reply = await apiClient(server.url, sk.key).call("POST", `${ADMIN}/tenants`, { name: "Mine" });
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe("forbidden");
  });
});

describe("secrets at rest", () => {
  it("the database holds no secret key, provider key or JWT secret in plain text; keys by their SHA-256", async () => {
    const dump = JSON.stringify({
      keys: await server.services.prisma.$queryRawUnsafe("SELECT * FROM api_key"),
      tenants: await server.services.prisma.$queryRawUnsafe("SELECT * FROM tenant"),
    });
    expect(issuedKeys.length).toBeGreaterThan(5);
    for (const key of issuedKeys) {
      // Publishable keys are public (lists show them whole); secret keys exist only as hashes.
      if (key.startsWith("sk_")) expect(dump).not.toContain(key);
      expect(dump).toContain(createHash("sha256").update(key).digest("hex"));
    }
    expect(dump).not.toContain(PROVIDER_KEY);
    expect(dump).not.toContain(JWT_SECRET);
    // The server itself can still open them (it needs them for the model and JWT checks).
    expect(await server.services.tenants.tenantSecrets("acme")).toEqual({ providerApiKey: PROVIDER_KEY, jwtSecret: JWT_SECRET });
  });

  it("no admin answer after creation carries a key or secret", async () => {
    const answers = JSON.stringify([
      (await operator.call("GET", `${ADMIN}/tenants`)).body,
      (await operator.call("GET", `${ADMIN}/tenants/acme`)).body,
      (await operator.call("GET", `${ADMIN}/tenants/acme/keys`)).body,
    ]);
    for (const secret of [PROVIDER_KEY, JWT_SECRET, ...issuedKeys.filter((k) => k.startsWith("sk_"))]) expect(answers).not.toContain(secret);
  });
});

describe("a server without OPERATOR_KEY", () => {
  it("has no operator: only tenants' secret keys open the admin API", async () => {
    const plain = await startTestServer();
    try {
      const tenant = await plain.services.tenants.create({ id: "solo", name: "Solo" });
      const sk = await plain.services.tenants.createKey(tenant.id, "secret");
      for (const key of [OPERATOR_KEY, "", "undefined"]) {
        const reply = await apiClient(plain.url, key).call("GET", `${ADMIN}/tenants`);
        expect(reply.status).toBe(401);
      }
      const reply = await apiClient(plain.url, sk.key).call("GET", `${ADMIN}/tenants`);
      expect(reply.status).toBe(200);
      expect(reply.body.tenants.map((t: { id: string }) => t.id)).toEqual(["solo"]);
    } finally {
      await plain.close();
    }
  });
});
