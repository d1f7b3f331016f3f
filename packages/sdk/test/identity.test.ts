/**
 * Sessions against a real server that serves sites: `identify()` exchanges the site's JWT for a
 * verified user's session (merging the guest's chats exactly once, retried through lost
 * responses and a busy chat, requests waiting for it), `reset()` signs out and forgets, and a
 * missing publishable key is a clear error.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { API_PATH, HEADER } from "@open-chat/shared";
import { DEFAULT_SETTINGS } from "@open-chat/server";
import { createTestTenant, startTestServer, type TestServer, type TestTenant } from "@open-chat/testing";
import { createChatClient, manualNetwork, memoryStorage, OpenChatError, storageKeys, type ChatClientOptions, type FetchLike } from "../src/index.js";
import { recordingFetch } from "./helpers/fetch.js";
import { signUserToken } from "./helpers/jwt.js";
import { answered, storedToken } from "./helpers/util.js";

const SECRET = "shop-signing-secret-shop-signing-secret";
let server: TestServer;
let shop: TestTenant;

beforeAll(async () => {
  // A short lease: a guest chat that is busy answering frees up quickly for the merge.
  server = await startTestServer({ gateModel: true, settings: { generation: { ...DEFAULT_SETTINGS.generation, leaseMs: 1_000 } } });
  shop = await createTestTenant(server.services, { jwtSecret: SECRET });
});
afterEach(() => server?.modelGate?.open());
afterAll(async () => {
  await server?.close();
});

const fast = { initialDelayMs: 10, maxDelayMs: 100 };
const userToken = (sub: string) => signUserToken(SECRET, { sub, name: `User ${sub}` });
const calls = (recorder: ReturnType<typeof recordingFetch>) => recorder.calls.map((c) => `${c.method} ${c.url.pathname} ${c.status}`);

function shopClient(extra: Partial<ChatClientOptions> = {}) {
  const storage = memoryStorage();
  const recorder = recordingFetch();
  const client = createChatClient({ baseUrl: server.url, publishableKey: shop.publishableKey, storage, fetch: recorder.fetch, reconnect: fast, ...extra });
  return { client, storage, recorder };
}

/** A request the way a page of the shop makes it, with this bearer token. */
async function statusWith(token: string): Promise<number> {
  const response = await fetch(`${server.url}${API_PATH.chats}`, { headers: { Authorization: `Bearer ${token}`, [HEADER.publishableKey]: shop.publishableKey } });
  await response.body?.cancel();
  return response.status;
}

/** A chat with one answered message, as whoever the client is signed in as. */
async function answeredChat(client: ReturnType<typeof createChatClient>, title: string) {
  const chat = await client.createChat({ title });
  const tail = client.openChat(chat.id);
  await client.send(chat.id, `hello from ${title} [[tokens:5]]`);
  await tail.until(answered(1));
  return { chat, tail, messages: tail.state.messages.map((m) => [m.role, m.text]) };
}

describe("identify()", () => {
  test("exchanges the site's token, merges the guest's chats and keeps the session in the guest's place", async () => {
    const { client, storage, recorder } = shopClient();
    const { chat, tail, messages } = await answeredChat(client, "as a guest");
    const guestToken = await storedToken(storage);

    const identified = await client.identify(userToken("merge-1"));
    expect(identified.merged).toBe(1);
    expect(identified.userId).toEqual(expect.any(String));
    const exchange = recorder.calls.find((c) => c.url.pathname === API_PATH.signInJwt)!;
    expect(exchange.headers.get("authorization")).toBe(`Bearer ${guestToken}`);
    expect(exchange.headers.get(HEADER.publishableKey)).toBe(shop.publishableKey);
    // The open tail ended: its offsets were the guest's log's.
    expect(tail.connection.status).toBe("closed");

    const keys = storageKeys(server.url);
    const verifiedToken = storage.entries.get(keys.token)!;
    expect(verifiedToken).not.toBe(guestToken);
    expect(JSON.parse(storage.entries.get(keys.user)!)).toEqual({ id: identified.userId, subject: "merge-1", key: shop.publishableKey });
    expect([...storage.entries.keys()].filter((key) => key.startsWith(keys.tail("")))).toEqual([]);
    expect(await statusWith(guestToken)).toBe(401); // the guest is gone: merged into the user

    expect((await client.listChats()).chats.map((c) => [c.id, c.title])).toEqual([[chat.id, "as a guest"]]);
    const reopened = client.openChat(chat.id);
    await reopened.until((_, c) => c.upToDate);
    expect(reopened.state.messages.map((m) => [m.role, m.text])).toEqual(messages);
    await client.close();

    // The same user on another device: their chats, nothing to merge, no guest token sent.
    const other = shopClient();
    expect(await other.client.identify(userToken("merge-1"))).toEqual({ userId: identified.userId, merged: 0 });
    expect(other.recorder.calls.find((c) => c.url.pathname === API_PATH.signInJwt)!.headers.get("authorization")).toBeNull();
    expect((await other.client.listChats()).chats.map((c) => c.id)).toEqual([chat.id]);
    await other.client.close();
  });

  test("as the user already signed in costs no request; a session refused later is renewed with that token", async () => {
    const { client, storage, recorder } = shopClient();
    const first = await client.identify(userToken("again-1"));
    const before = recorder.calls.length;
    expect(await client.identify(userToken("again-1"))).toEqual({ userId: first.userId, merged: 0 });
    expect(recorder.calls.length).toBe(before);

    // The server revokes the session (a sign-out elsewhere): the next request exchanges the kept token again.
    const revoked = await storedToken(storage);
    await fetch(`${server.url}${API_PATH.signOut}`, { method: "POST", headers: { Authorization: `Bearer ${revoked}`, [HEADER.publishableKey]: shop.publishableKey, "Content-Type": "application/json" }, body: "{}" });
    recorder.calls.length = 0;
    expect((await client.listChats()).chats).toEqual([]);
    expect(calls(recorder)).toEqual(["GET /v1/chats 401", `POST ${API_PATH.signInJwt} 200`, "GET /v1/chats 200"]);
    expect(await storedToken(storage)).not.toBe(revoked);
    await client.close();

    // A reload knows the user but holds no token of the site: a refused session is an error, never a silent guest.
    const reloaded = createChatClient({ baseUrl: server.url, publishableKey: shop.publishableKey, storage, fetch: recorder.fetch });
    await fetch(`${server.url}${API_PATH.signOut}`, { method: "POST", headers: { Authorization: `Bearer ${await storedToken(storage)}`, [HEADER.publishableKey]: shop.publishableKey, "Content-Type": "application/json" }, body: "{}" });
    recorder.calls.length = 0;
    await expect(reloaded.listChats()).rejects.toMatchObject({ name: "OpenChatError", status: 401 });
    expect(calls(recorder)).toEqual(["GET /v1/chats 401"]);
    // The page identifies again (as on every load): known user, no request; the token renews the session when needed.
    expect(await reloaded.identify(userToken("again-1"))).toEqual({ userId: first.userId, merged: 0 });
    expect((await reloaded.listChats()).chats).toEqual([]);
    expect(calls(recorder)).toEqual(["GET /v1/chats 401", "GET /v1/chats 401", `POST ${API_PATH.signInJwt} 200`, "GET /v1/chats 200"]);
    await reloaded.close();
  });

  test("as another user signs the first one out: nothing of theirs is merged or shown", async () => {
    const { client, storage } = shopClient();
    await client.identify(userToken("first-user"));
    await client.createChat({ title: "first user's" });
    const firstToken = await storedToken(storage);
    const second = await client.identify(userToken("second-user"));
    expect(second.merged).toBe(0);
    expect(await statusWith(firstToken)).toBe(401);
    expect((await client.listChats()).chats).toEqual([]);
    await client.close();
  });

  test("a lost response is retried: the guest's chats are merged exactly once", async () => {
    let lose = true;
    const recorder = recordingFetch();
    const losing: FetchLike = async (input, init) => {
      const response = await recorder.fetch(input, init);
      if (lose && new URL(input).pathname === API_PATH.signInJwt) {
        lose = false;
        throw new TypeError("fetch failed: the connection was cut after the server answered");
      }
      return response;
    };
    const storage = memoryStorage();
    const client = createChatClient({ baseUrl: server.url, publishableKey: shop.publishableKey, storage, fetch: losing, reconnect: fast });
    const { chat, messages } = await answeredChat(client, "lost response");
    await client.identify(userToken("lost-1"));
    expect(recorder.calls.filter((c) => c.url.pathname === API_PATH.signInJwt).map((c) => c.status)).toEqual([200, 200]);
    expect((await client.listChats()).chats.map((c) => c.id)).toEqual([chat.id]);
    const tail = client.openChat(chat.id);
    await tail.until((_, c) => c.upToDate);
    expect(tail.state.messages.map((m) => [m.role, m.text])).toEqual(messages);
    await client.close();
  });

  test("a guest chat still answering is merged once the answer ended (the server's 409 is waited out)", async () => {
    const { client, recorder } = shopClient();
    const chat = await client.createChat({ title: "busy" });
    const tail = client.openChat(chat.id);
    server.modelGate!.hold();
    await client.send(chat.id, "a long one [[tokens:50]]");
    await server.modelGate!.releaseText(10);
    const identifying = client.identify(userToken("busy-1"));
    await expect.poll(() => recorder.calls.some((c) => c.url.pathname === API_PATH.signInJwt && c.status === 409)).toBe(true);
    server.modelGate!.open();
    expect((await identifying).merged).toBe(1);
    await tail.close();
    const reopened = client.openChat(chat.id);
    await reopened.until(answered(1));
    expect(reopened.state.messages.at(-1)!.text.split(" ")).toHaveLength(50);
    await client.close();
  });

  test("requests made meanwhile wait for it and go out as the verified user", async () => {
    let started!: () => void;
    const exchangeStarted = new Promise<void>((resolve) => (started = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const recorder = recordingFetch();
    const gated: FetchLike = async (input, init) => {
      if (new URL(input).pathname === API_PATH.signInJwt) {
        started();
        await released;
      }
      return recorder.fetch(input, init);
    };
    const storage = memoryStorage();
    const client = createChatClient({ baseUrl: server.url, publishableKey: shop.publishableKey, storage, fetch: gated });
    await client.listChats(); // signed in as a guest
    const identifying = client.identify(userToken("waiting-1"));
    await exchangeStarted;
    const listing = client.listChats();
    release();
    await identifying;
    await listing;
    const verifiedToken = await storedToken(storage);
    const lists = recorder.calls.filter((c) => c.url.pathname === API_PATH.chats);
    expect(lists.map((c) => c.headers.get("authorization"))).toEqual([expect.any(String), `Bearer ${verifiedToken}`]);
    await client.close();
  });

  test("keeps the server's error code, and the session it had", async () => {
    const { client, storage } = shopClient();
    const chat = await client.createChat({ title: "still mine" });
    const guestToken = await storedToken(storage);
    for (const bad of ["not-a-jwt", signUserToken("another-sites-secret-another-sites-secret", { sub: "x" }), signUserToken(SECRET, { sub: "late", expiresInS: -120 })]) {
      const error = await client.identify(bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenChatError);
      expect(error).toMatchObject({ status: 401, code: "invalid_user_token" });
    }
    expect(await storedToken(storage)).toBe(guestToken);
    expect((await client.listChats()).chats.map((c) => c.id)).toEqual([chat.id]);
    await client.close();

    const own = createChatClient({ baseUrl: server.url, publishableKey: shop.publishableKey, storage: memoryStorage(), getToken: () => "mine" });
    await expect(own.identify(userToken("x"))).rejects.toThrow(TypeError);
    await own.close();
  });
});

describe("reset()", () => {
  test("signs out: the old token is refused, queued sends and stored state are gone, the next request is a new guest", async () => {
    const network = manualNetwork(true);
    const { client, storage, recorder } = shopClient({ network });
    await client.identify(userToken("leaving-1"));
    const { chat, tail } = await answeredChat(client, "before reset");
    const oldToken = await storedToken(storage);
    network.set(false);
    const queued = client.send(chat.id, "never sent").catch((error: unknown) => error);
    await expect.poll(async () => (await client.outbox()).length).toBe(1);

    await client.reset();
    expect(await queued).toMatchObject({ name: "AbortError" });
    expect(await client.outbox()).toEqual([]);
    expect(tail.connection.status).toBe("closed");
    expect([...storage.entries.keys()].filter((key) => key.startsWith(storageKeys(server.url).prefix))).toEqual([]);
    const signOut = recorder.calls.find((c) => c.url.pathname === API_PATH.signOut)!;
    expect([signOut.status, signOut.headers.get("authorization")]).toEqual([200, `Bearer ${oldToken}`]);
    expect(await statusWith(oldToken)).toBe(401);

    network.set(true);
    recorder.calls.length = 0;
    expect((await client.listChats()).chats).toEqual([]);
    expect(calls(recorder)).toEqual([`POST ${API_PATH.signInAnonymous} 200`, "GET /v1/chats 200"]);
    expect(await storedToken(storage)).not.toBe(oldToken);
    await client.close();
  });

  test("offline, it still forgets everything locally", async () => {
    const recorder = recordingFetch();
    const offlineSignOut: FetchLike = async (input, init) => {
      if (new URL(input).pathname === API_PATH.signOut) throw new TypeError("fetch failed: offline");
      return recorder.fetch(input, init);
    };
    const storage = memoryStorage();
    const client = createChatClient({ baseUrl: server.url, publishableKey: shop.publishableKey, storage, fetch: offlineSignOut });
    await client.createChat({ title: "offline reset" });
    await client.reset();
    expect(storage.entries.size).toBe(0);
    recorder.calls.length = 0;
    expect((await client.listChats()).chats).toEqual([]);
    expect(calls(recorder)).toEqual([`POST ${API_PATH.signInAnonymous} 200`, "GET /v1/chats 200"]);
    await client.close();
  });
});

test("a server with sites refuses a client without a publishable key, saying what to pass", async () => {
  const client = createChatClient({ baseUrl: server.url, storage: memoryStorage() });
  const error = await client.listChats().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(OpenChatError);
  expect(error).toMatchObject({ status: 401, code: "publishable_key_required" });
  expect((error as OpenChatError).message).toContain("publishableKey");
  await client.close();
});
