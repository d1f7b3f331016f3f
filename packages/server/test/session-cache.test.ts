/**
 * The per-process memory of verified bearer tokens (src/auth/session-cache.ts): its bound, and
 * that a sign-out or a user deletion in this process ends a token at once, through Better Auth
 * on real Postgres and through the real server.
 */
import { API_PATH } from "@open-chat/shared";
import { signInAsGuest as guestOnServer, startTestServer, type TestServer } from "@open-chat/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth, resolveRequestUser, resolveSession, type Auth } from "../src/auth/auth.js";
import { createSessionCache, type CachedSession } from "../src/auth/session-cache.js";
import { useMigratedDb } from "./helpers/database.js";

const BASE_URL = "http://127.0.0.1:3000";
const SECRET = "test-secret-0123456789-0123456789-abcdef";
const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` });

describe("createSessionCache", () => {
  const session = (over: Partial<CachedSession> = {}): CachedSession => ({
    userId: "u1",
    sessionId: "s1",
    tenantId: "t1",
    isAnonymous: true,
    token: "tok1",
    expiresAt: new Date(1_000_000),
    ...over,
  });

  it("trusts a token for ttlMs, never past its session's expiry", () => {
    let now = 0;
    const cache = createSessionCache({ ttlMs: 5_000, now: () => now });
    cache.set("Bearer a", session(), cache.epoch);
    cache.set("Bearer b", session({ token: "tok2", expiresAt: new Date(1_000) }), cache.epoch);
    now = 999;
    expect(cache.get("Bearer a")?.userId).toBe("u1");
    expect(cache.get("Bearer b")?.token).toBe("tok2");
    now = 1_000;
    expect(cache.get("Bearer b")).toBeUndefined();
    now = 4_999;
    expect(cache.get("Bearer a")).toBeDefined();
    now = 5_000;
    expect(cache.get("Bearer a")).toBeUndefined();
  });

  it("forgets by session token and by user, and does not remember a lookup that overlapped a forget", () => {
    const cache = createSessionCache({ now: () => 0 });
    cache.set("Bearer a", session(), cache.epoch);
    cache.set("Bearer b", session({ token: "tok2" }), cache.epoch);
    cache.set("Bearer c", session({ userId: "u2", token: "tok3" }), cache.epoch);
    cache.forgetToken("tok1");
    expect([cache.get("Bearer a"), cache.get("Bearer b")?.token]).toEqual([undefined, "tok2"]);
    const began = cache.epoch;
    cache.forgetUser("u1");
    expect([cache.get("Bearer b"), cache.get("Bearer c")?.userId]).toEqual([undefined, "u2"]);
    cache.set("Bearer b", session({ token: "tok2" }), began); // its lookup began before the forget
    expect(cache.get("Bearer b")).toBeUndefined();
  });

  it("tells its listeners of every forget, until they unsubscribe", () => {
    const cache = createSessionCache({ now: () => 0 });
    const heard: unknown[] = [];
    const stop = cache.onForget((gone) => heard.push(gone));
    cache.forgetToken("tok1");
    cache.forgetUser("u1");
    stop();
    cache.forgetToken("tok2");
    expect(heard).toEqual([{ token: "tok1" }, { userId: "u1" }]);
  });

  it("keeps at most maxEntries (the oldest go first) and is off at ttlMs 0", () => {
    const cache = createSessionCache({ maxEntries: 2, now: () => 0 });
    for (const key of ["a", "b", "c"]) cache.set(key, session({ token: key }), cache.epoch);
    expect(["a", "b", "c"].map((key) => cache.get(key)?.token)).toEqual([undefined, "b", "c"]);
    const off = createSessionCache({ ttlMs: 0, now: () => 0 });
    off.set("a", session(), off.epoch);
    expect(off.get("a")).toBeUndefined();
  });
});

describe("resolveRequestUser (Better Auth on Postgres)", () => {
  const pg = useMigratedDb({ max: 4 });

  async function guest(auth: Auth) {
    const response = await auth.handler(
      new Request(`${BASE_URL}/v1/auth/sign-in/anonymous`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
    );
    const body = (await response.json()) as { user: { id: string } };
    return { userId: body.user.id, token: response.headers.get("set-auth-token")! };
  }

  it("answers a verified token from memory within the bound, where the database no longer has its session", async () => {
    const auth = createAuth({ prisma: pg.db.prisma, secret: SECRET, baseURL: BASE_URL, sessionCacheMs: 60_000 });
    const { userId, token } = await guest(auth);
    expect(await resolveRequestUser(auth, bearer(token))).toMatchObject({ id: userId });
    // Signed out through another app server (a row deleted behind this process's back).
    await pg.db.prisma.session.deleteMany({ where: { userId } });
    expect(await resolveSession(auth, bearer(token))).toBeNull();
    expect(await resolveRequestUser(auth, bearer(token))).toMatchObject({ id: userId });
    expect(await resolveRequestUser(auth, bearer(`${token}x`))).toBeNull();
  });

  it("asks the database every time with sessionCacheMs 0", async () => {
    const auth = createAuth({ prisma: pg.db.prisma, secret: SECRET, baseURL: BASE_URL, sessionCacheMs: 0 });
    const { userId, token } = await guest(auth);
    expect(await resolveRequestUser(auth, bearer(token))).toMatchObject({ id: userId });
    await pg.db.prisma.session.deleteMany({ where: { userId } });
    expect(await resolveRequestUser(auth, bearer(token))).toBeNull();
  });

  it("ends a token at once when it signs out through Better Auth in this process", async () => {
    const auth = createAuth({ prisma: pg.db.prisma, secret: SECRET, baseURL: BASE_URL, sessionCacheMs: 60_000 });
    const { userId, token } = await guest(auth);
    expect(await resolveRequestUser(auth, bearer(token))).toMatchObject({ id: userId });
    const signOut = await auth.handler(new Request(`${BASE_URL}/v1/auth/sign-out`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: "{}" }));
    expect(signOut.status).toBe(200);
    expect(await resolveRequestUser(auth, bearer(token))).toBeNull();
  });
});

describe("through the server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  const call = (token: string, path: string, method = "GET") =>
    fetch(`${server.url}${path}`, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: method === "POST" ? "{}" : undefined });

  it("a sign-out ends the token for the API at once", async () => {
    const token = await guestOnServer(server.url);
    expect((await call(token, API_PATH.chats)).status).toBe(200);
    expect((await call(token, API_PATH.signOut, "POST")).status).toBe(200);
    expect((await call(token, API_PATH.chats)).status).toBe(401);
  });

  it("the deletion of the user ends the token for the API at once", async () => {
    const token = await guestOnServer(server.url);
    expect((await call(token, API_PATH.chats)).status).toBe(200);
    expect((await call(token, API_PATH.me, "DELETE")).status).toBe(200);
    expect((await call(token, API_PATH.chats)).status).toBe(401);
    expect((await call(token, API_PATH.chats, "POST")).status).toBe(401);
  });
});
