/**
 * The admin API's end users over real HTTP: users listed and paginated (guests and verified
 * users, each tenant only its own), their chats, a transcript equal to what the user's own
 * client folds from the log, usage counts, and deleting a user with all their data: Postgres
 * rows and the stream in the streams tier.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { API_PATH, HEADER } from "@open-chat/shared";
import { readLog, signInAsGuest, siteHeaders, startTestServer, type TestServer } from "@open-chat/testing";
import { StreamsError } from "../src/streams/client/errors.js";
import { userStreamName } from "../src/log/stream-names.js";
import { apiClient } from "./helpers/api.js";

const OPERATOR_KEY = "operator-key-".padEnd(48, "o");
const JWT_SECRET = "shop-signing-secret-0123456789-abcdefgh";
const SHOP = `${API_PATH.admin}/tenants/shop`;

let server: TestServer;
let operator: ReturnType<typeof apiClient>;
let shopKey: string;
let shopSecretKey: string;
const site = () => ({ publishableKey: shopKey });
const users: Record<"alice" | "bob" | "dana" | "carol", { id: string; token: string }> = {} as never;
let aliceChat: string;

async function userIdOf(token: string, publishableKey: string): Promise<string> {
  const response = await fetch(`${server.url}${API_PATH.getSession}`, { headers: { Authorization: `Bearer ${token}`, ...siteHeaders({ publishableKey }) } });
  return ((await response.json()) as { user: { id: string } }).user.id;
}

async function guest(publishableKey: string) {
  const token = await signInAsGuest(server.url, { publishableKey });
  return { token, id: await userIdOf(token, publishableKey) };
}

async function verified(sub: string, claims: Record<string, unknown>) {
  const jwt = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime("5m").sign(new TextEncoder().encode(JWT_SECRET));
  const response = await fetch(`${server.url}${API_PATH.signInJwt}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...siteHeaders(site()) },
    body: JSON.stringify({ token: jwt }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { token: string; user: { id: string } };
  return { token: body.token, id: body.user.id };
}

beforeAll(async () => {
  server = await startTestServer({ settings: { operatorKey: OPERATOR_KEY } });
  operator = apiClient(server.url, OPERATOR_KEY);
  expect((await operator.call("POST", `${API_PATH.admin}/tenants`, { id: "shop", name: "Shop", jwt: { secret: JWT_SECRET } })).status).toBe(201);
  expect((await operator.call("POST", `${API_PATH.admin}/tenants`, { id: "other", name: "Other" })).status).toBe(201);
  shopKey = (await operator.call("POST", `${SHOP}/keys`, { kind: "publishable" })).body.key;
  shopSecretKey = (await operator.call("POST", `${SHOP}/keys`, { kind: "secret" })).body.key;
  const otherKey = (await operator.call("POST", `${API_PATH.admin}/tenants/other/keys`, { kind: "publishable" })).body.key;

  users.alice = await guest(shopKey);
  users.bob = await guest(shopKey);
  users.dana = await verified("customer-42", { name: "Dana", email: "dana@shop.example" });
  users.carol = await guest(otherKey);

  const alice = apiClient(server.url, users.alice.token);
  const headers = { [HEADER.publishableKey]: shopKey };
  const created = await alice.call("POST", "/v1/chats", { title: "Shoes" }, { headers });
  expect(created.status).toBe(201);
  aliceChat = created.body.id;
  server.model.enqueue({ tokens: ["Size ", "42 ", "fits."] });
  expect((await alice.call("POST", `/v1/chats/${aliceChat}/messages`, { clientMessageId: "m1", text: "Which size?" }, { headers })).status).toBe(202);
  await server.idle();
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe("end users", () => {
  it("lists the tenant's users newest first, page by page; guests have no email, verified users theirs", async () => {
    const first = await operator.call("GET", `${SHOP}/users?limit=2`);
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(first.body.users).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await operator.call("GET", `${SHOP}/users?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ users: [expect.any(Object)], nextCursor: null });
    const listed = [...first.body.users, ...second.body.users];
    expect(listed.map((u: { id: string }) => u.id)).toEqual([users.dana.id, users.bob.id, users.alice.id]);

    const [dana, bob, alice] = listed;
    expect(dana).toEqual({ id: users.dana.id, externalId: "customer-42", name: "Dana", email: "dana@shop.example", isAnonymous: false, createdAt: expect.any(String), chats: 0 });
    expect(bob).toMatchObject({ externalId: null, email: null, isAnonymous: true, chats: 0 });
    expect(alice).toMatchObject({ externalId: null, email: null, isAnonymous: true, chats: 1 });

    const everyone = await operator.call("GET", `${SHOP}/users`);
    expect(everyone.body.users).toHaveLength(3); // carol is another tenant's
  });

  it("shows one user; another tenant's user or an unknown id is 404 user_not_found", async () => {
    const alice = await operator.call("GET", `${SHOP}/users/${users.alice.id}`);
    expect(alice.status).toBe(200);
    expect(alice.body).toMatchObject({ id: users.alice.id, chats: 1 });
    for (const id of [users.carol.id, "nobody"]) {
      const reply = await operator.call("GET", `${SHOP}/users/${id}`);
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe("user_not_found");
    }
  });

  it("works with the tenant's own secret key", async () => {
    const reply = await apiClient(server.url, shopSecretKey).call("GET", `${SHOP}/users`);
    expect(reply.status).toBe(200);
    expect(reply.body.users).toHaveLength(3);
  });

  it("lists a user's chats", async () => {
    const reply = await operator.call("GET", `${SHOP}/users/${users.alice.id}/chats`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ chats: [{ id: aliceChat, title: "Shoes", model: "test-model", createdAt: expect.any(String), updatedAt: expect.any(String) }] });
    expect((await operator.call("GET", `${SHOP}/users/${users.bob.id}/chats`)).body).toEqual({ chats: [] });
    const foreign = await operator.call("GET", `${SHOP}/users/${users.carol.id}/chats`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("user_not_found");
  });

  it("reads a transcript: the messages the user's own client folds from the log", async () => {
    const reply = await operator.call("GET", `${SHOP}/users/${users.alice.id}/chats/${aliceChat}`);
    expect(reply.status).toBe(200);
    expect(reply.body.chat).toMatchObject({ id: aliceChat, title: "Shoes" });
    expect(reply.body.messages.map((m: { role: string; text: string; status: string }) => [m.role, m.text, m.status])).toEqual([
      ["user", "Which size?", "completed"],
      ["assistant", "Size 42 fits.", "completed"],
    ]);
    const log = await readLog(server.url, users.alice.token, aliceChat, undefined, site());
    expect(reply.body.messages).toEqual(JSON.parse(JSON.stringify(log.state.messages)));
  });

  it("answers 404 for a chat that is not the user's, and for an unknown user", async () => {
    const notBobs = await operator.call("GET", `${SHOP}/users/${users.bob.id}/chats/${aliceChat}`);
    expect(notBobs.status).toBe(404);
    expect(notBobs.body.error.code).toBe("chat_not_found");
    const unknownChat = await operator.call("GET", `${SHOP}/users/${users.alice.id}/chats/chat_nothere`);
    expect(unknownChat.body.error.code).toBe("chat_not_found");
    const unknownUser = await operator.call("GET", `${SHOP}/users/nobody/chats/${aliceChat}`);
    expect(unknownUser.status).toBe(404);
    expect(unknownUser.body.error.code).toBe("user_not_found");
  });
});

describe("usage", () => {
  it("counts users, guests, verified users, chats and turns in the window", async () => {
    const all = await operator.call("GET", `${SHOP}/usage?since=2000-01-01&until=2100-01-01T00:00:00Z`);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      tenantId: "shop",
      since: "2000-01-01T00:00:00.000Z",
      until: "2100-01-01T00:00:00.000Z",
      users: 3,
      guests: 2,
      verifiedUsers: 1,
      chats: 1,
      turns: 1,
    });
    const byDefault = await operator.call("GET", `${SHOP}/usage`);
    expect(byDefault.body).toMatchObject({ users: 3, chats: 1, turns: 1 });
    expect(Date.parse(byDefault.body.until) - Date.parse(byDefault.body.since)).toBe(30 * 24 * 60 * 60 * 1000);
    const before = await operator.call("GET", `${SHOP}/usage?since=2000-01-01&until=2000-01-02`);
    expect(before.body).toMatchObject({ users: 0, guests: 0, verifiedUsers: 0, chats: 0, turns: 0 });
    const other = await operator.call("GET", `${API_PATH.admin}/tenants/other/usage?since=2000-01-01`);
    expect(other.body).toMatchObject({ tenantId: "other", users: 1, guests: 1, chats: 0 });
  });
});

describe("deleting a user", () => {
  it("removes the user's rows and their stream; their session no longer works", async () => {
    const { prisma, streams } = server.services;
    const stream = userStreamName({ id: users.alice.id, tenantId: "shop" });
    expect((await streams.read(stream, { offset: "-1" })).records.length).toBeGreaterThan(0);

    const reply = await operator.call("DELETE", `${SHOP}/users/${users.alice.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ userId: users.alice.id, chats: 1, streamDeleted: true });

    const rows = await Promise.all([
      prisma.user.count({ where: { id: users.alice.id } }),
      prisma.session.count({ where: { userId: users.alice.id } }),
      prisma.chat.count({ where: { userId: users.alice.id } }),
      prisma.turn.count({ where: { chatId: aliceChat } }),
      prisma.userStream.count({ where: { userId: users.alice.id } }),
    ]);
    expect(rows).toEqual([0, 0, 0, 0, 0]);
    const gone = await streams.read(stream, { offset: "-1" }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(gone).toBeInstanceOf(StreamsError);
    expect((gone as StreamsError).status).toBe(404);

    const session = await apiClient(server.url, users.alice.token).call("GET", "/v1/chats", undefined, { headers: { [HEADER.publishableKey]: shopKey } });
    expect(session.status).toBe(401);
    expect((await operator.call("GET", `${SHOP}/users/${users.alice.id}`)).status).toBe(404);
    const again = await operator.call("DELETE", `${SHOP}/users/${users.alice.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe("user_not_found");
    // The other users are untouched.
    expect((await operator.call("GET", `${SHOP}/users`)).body.users.map((u: { id: string }) => u.id)).toEqual([users.dana.id, users.bob.id]);
  });

  it("does not delete another tenant's user", async () => {
    const reply = await operator.call("DELETE", `${SHOP}/users/${users.carol.id}`);
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe("user_not_found");
    expect(await server.services.prisma.user.count({ where: { id: users.carol.id } })).toBe(1);
  });
});
