/**
 * Verified end users: a site's backend signs a short-lived JWT, the browser exchanges it at
 * POST /v1/auth/sign-in/jwt for a session of that site's end user; a guest who identifies keeps
 * their chats, exactly once. JWT edge cases are refused with 401 invalid_user_token.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK } from "jose";
import { API_PATH, HEADER, materialize } from "@open-chat/shared";
import { createTestTenant, readLog, signInAsGuest, siteHeaders, startTestServer, type TestServer, type TestTenant } from "@open-chat/testing";

const SECRET = "tenant-signing-secret-0123456789-abcdef";
let server: TestServer;
let shop: TestTenant;
let other: TestTenant;
let jwksSite: TestTenant;
let jwks: Server;
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
let ed: Awaited<ReturnType<typeof generateKeyPair>>;

beforeAll(async () => {
  rsa = await generateKeyPair("RS256", { extractable: true });
  ed = await generateKeyPair("EdDSA", { extractable: true });
  const keys: JWK[] = [
    { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
    { ...(await exportJWK(ed.publicKey)), kid: "ed-1", alg: "EdDSA", use: "sig" },
  ];
  jwks = createServer((_req, res) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ keys })));
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  server = await startTestServer();
  shop = await createTestTenant(server.services, { jwtSecret: SECRET });
  other = await createTestTenant(server.services, { origin: "https://other.example", jwtSecret: "another-sites-secret-0123456789-abcdef" });
  jwksSite = await createTestTenant(server.services, { origin: "https://jwks.example", jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await new Promise((resolve) => jwks?.close(resolve));
});

function hs256(claims: Record<string, unknown> = {}, options: { secret?: string; expires?: string | number; sub?: string | null } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime(options.expires ?? "5m");
  if (options.sub !== null) jwt.setSubject(options.sub ?? "customer-42");
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

async function exchange(site: TestTenant, token: string, guestToken?: string) {
  const headers: Record<string, string> = { "Content-Type": "application/json", ...siteHeaders({ publishableKey: site.publishableKey }) };
  if (guestToken) headers.Authorization = `Bearer ${guestToken}`;
  const response = await fetch(`${server.url}${API_PATH.signInJwt}`, { method: "POST", headers, body: JSON.stringify({ token }) });
  return { status: response.status, header: response.headers.get(HEADER.authToken), body: await response.json() };
}

async function api(site: TestTenant, token: string, path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? "GET",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`, ...siteHeaders({ publishableKey: site.publishableKey }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

describe("sign-in with a site-signed JWT", () => {
  it("maps sub to one end user of the site, with the token's name and email", async () => {
    const first = await exchange(shop, await hs256({ name: "Ada", email: "ada@shop.example" }, { sub: "ada" }));
    expect(first.status).toBe(200);
    expect(first.header).toBe(first.body.token);
    expect(first.body.user).toMatchObject({ name: "Ada", email: "ada@shop.example", isAnonymous: false });
    const again = await exchange(shop, await hs256({}, { sub: "ada" }));
    expect(again.body.user.id).toBe(first.body.user.id);
    const row = await server.services.prisma.user.findUniqueOrThrow({ where: { id: first.body.user.id } });
    expect(row).toMatchObject({ tenantId: shop.id, externalId: "ada", isAnonymous: false });
    expect((await api(shop, first.body.token, API_PATH.chats)).status).toBe(200);
  });

  it("keeps the same sub of two sites apart", async () => {
    const a = await exchange(shop, await hs256({}, { sub: "same-id" }));
    const b = await exchange(other, await hs256({}, { sub: "same-id", secret: "another-sites-secret-0123456789-abcdef" }));
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.user.id).not.toBe(b.body.user.id);
    expect((await api(other, a.body.token, API_PATH.chats)).body.error.code).toBe("session_tenant_mismatch");
  });

  it("verifies RS256 and EdDSA tokens through the site's JWKS", async () => {
    const rs = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "rsa-1" }).setSubject("r").setIssuedAt().setExpirationTime("5m").sign(rsa.privateKey);
    const eddsa = await new SignJWT({}).setProtectedHeader({ alg: "EdDSA", kid: "ed-1" }).setSubject("e").setIssuedAt().setExpirationTime("5m").sign(ed.privateKey);
    expect((await exchange(jwksSite, rs)).status).toBe(200);
    expect((await exchange(jwksSite, eddsa)).status).toBe(200);
  });
});

describe("a guest who identifies keeps their chats", () => {
  it("moves them exactly once, even when the identify call is sent twice at once", async () => {
    const guest = await signInAsGuest(server.url, { publishableKey: shop.publishableKey });
    const chat = (await api(shop, guest, API_PATH.chats, { method: "POST", body: { title: "before sign-in" } })).body;
    server.model.enqueue({ tokens: ["Hello ", "guest"] });
    expect((await api(shop, guest, API_PATH.messages(chat.id), { method: "POST", body: { clientMessageId: "m1", text: "hi" } })).status).toBe(202);
    await server.idle();

    const token = await hs256({}, { sub: "merging-customer" });
    const [a, b] = await Promise.all([exchange(shop, token, guest), exchange(shop, token, guest)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    // Whichever call came second either joined the merge or found the guest already merged
    // (its session gone with the guest): both end as the same user with the chat once.
    expect([a.body.merged, b.body.merged]).toContainEqual({ chats: 1 });
    for (const merged of [a.body.merged, b.body.merged]) expect([null, { chats: 1 }]).toContainEqual(merged);
    expect(b.body.user.id).toBe(a.body.user.id);

    const list = (await api(shop, a.body.token, API_PATH.chats)).body;
    expect(list.chats.map((c: { id: string }) => c.id)).toEqual([chat.id]);
    const log = await readLog(server.url, a.body.token, chat.id, "-1", { publishableKey: shop.publishableKey });
    const messages = materialize(log.events).messages;
    expect(messages.map((m) => [m.role, m.text])).toEqual([["user", "hi"], ["assistant", "Hello guest"]]);
    // The guest is gone: its token is refused, and identifying again merges nothing new.
    expect((await api(shop, guest, API_PATH.chats)).status).toBe(401);
    const again = await exchange(shop, token, guest);
    expect(again.body.merged).toBeNull();
    expect(await server.services.prisma.guestMerge.count({ where: { userId: a.body.user.id } })).toBe(1);
  });
});

describe("refused tokens", () => {
  const cases: Array<[string, () => Promise<string>]> = [
    ["alg none", async () => `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "x", exp: now() + 60 })}.`],
    ["signed by another site's secret", () => hs256({}, { secret: "another-sites-secret-0123456789-abcdef" })],
    ["expired", () => hs256({}, { expires: now() - 120 })],
    ["not yet valid", async () => new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("x").setNotBefore(now() + 600).setExpirationTime(now() + 900).sign(key(SECRET))],
    ["without exp", async () => new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("x").sign(key(SECRET))],
    ["without sub", () => hs256({}, { sub: null })],
    ["living longer than a day", () => hs256({}, { expires: "3d" })],
    ["with an oversized name", () => hs256({ name: "n".repeat(5_000) })],
    ["with a control character in sub", () => hs256({}, { sub: "a\u0000b" })],
    ["not a JWT", async () => "hello"],
    ["with a tampered payload", async () => { const [h, , s] = (await hs256()).split("."); return `${h}.${b64({ sub: "admin", exp: now() + 60 })}.${s}`; }],
  ];
  it.each(cases)("%s", async (_name, make) => {
    const response = await exchange(shop, await make());
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("invalid_user_token");
    expect(response.header).toBeNull();
  });

  it("checks issuer and audience where the site set them", async () => {
    await server.services.tenants.update(other.id, { jwt: { issuer: "https://other.example", audience: "open-chat" } });
    const secret = "another-sites-secret-0123456789-abcdef";
    const sign = (iss: string, aud: string) => new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("x").setIssuer(iss).setAudience(aud).setIssuedAt().setExpirationTime("5m").sign(key(secret));
    expect((await exchange(other, await sign("https://other.example", "open-chat"))).status).toBe(200);
    expect((await exchange(other, await sign("https://evil.example", "open-chat"))).body.error.code).toBe("invalid_user_token");
    expect((await exchange(other, await sign("https://other.example", "someone-else"))).body.error.code).toBe("invalid_user_token");
  });

  it("refuses HS/RS confusion: an HMAC over the site's public key, an unknown kid, an HS token at a JWKS-only site", async () => {
    const pem = await exportSPKI(rsa.publicKey);
    const confused = await new SignJWT({}).setProtectedHeader({ alg: "HS256", kid: "rsa-1" }).setSubject("x").setIssuedAt().setExpirationTime("5m").sign(new TextEncoder().encode(pem));
    expect((await exchange(jwksSite, confused)).body.error.code).toBe("invalid_user_token");
    const unknownKid = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "nope" }).setSubject("x").setIssuedAt().setExpirationTime("5m").sign(rsa.privateKey);
    expect((await exchange(jwksSite, unknownKid)).body.error.code).toBe("invalid_user_token");
    // An RS256 token at a site that has only an HS256 secret.
    const rs = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "rsa-1" }).setSubject("x").setIssuedAt().setExpirationTime("5m").sign(rsa.privateKey);
    expect((await exchange(shop, rs)).body.error.code).toBe("invalid_user_token");
  });

  it("answers 400 for a body without a token", async () => {
    const response = await fetch(`${server.url}${API_PATH.signInJwt}`, { method: "POST", headers: { "Content-Type": "application/json", ...siteHeaders({ publishableKey: shop.publishableKey }) }, body: "{}" });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe("invalid_request");
  });
});

const now = () => Math.floor(Date.now() / 1000);
const key = (secret: string) => new TextEncoder().encode(secret);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
