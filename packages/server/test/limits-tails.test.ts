/**
 * Connection budgets for live tails: one user past its cap (tailsPerUser) and the process past
 * its budget (tailsPerProcess) get 429 `rate_limited` with Retry-After, while other users'
 * tails and /healthz keep working; a tail gives its slot back when the client goes away.
 * Small caps here; the production defaults are in the README ("Limits").
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { API_PATH, HEADER } from "@open-chat/shared";
import { signInAsGuest, startTestServer, TEST_LIMITS, type TestServer } from "@open-chat/testing";

const PER_USER = 3;
const PER_PROCESS = 8;

let server: TestServer;
const open = new Set<AbortController>();

beforeAll(async () => {
  server = await startTestServer({ settings: { limits: { ...TEST_LIMITS, tailsPerUser: PER_USER, tailsPerProcess: PER_PROCESS } } });
}, 60_000);
afterEach(async () => {
  for (const tail of open) tail.abort();
  open.clear();
  await vi.waitFor(() => expect(server.services.limits.tails.open).toBe(0));
});
afterAll(async () => {
  await server?.close();
});

interface Guest {
  id: string;
  token: string;
  chatId: string;
}

async function guest(): Promise<Guest> {
  const token = await signInAsGuest(server.url);
  const auth = { Authorization: `Bearer ${token}` };
  const session = await (await fetch(`${server.url}${API_PATH.getSession}`, { headers: auth })).json();
  const chat = await (await fetch(`${server.url}${API_PATH.chats}`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: "{}" })).json();
  return { id: session.user.id, token, chatId: chat.id };
}

interface Tail {
  status: number;
  body: any;
  retryAfter: string | null;
  close(): void;
}

/** Opens a live SSE tail; an accepted one stays open until `close()` (or the test's end). */
async function tail(who: Guest, live = "sse"): Promise<Tail> {
  const abort = new AbortController();
  const response = await fetch(`${server.url}${API_PATH.events(who.chatId)}?live=${live}`, { headers: { Authorization: `Bearer ${who.token}` }, signal: abort.signal });
  if (response.status === 200 && live === "sse") {
    open.add(abort);
    return { status: 200, body: null, retryAfter: null, close: () => (abort.abort(), open.delete(abort)) };
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, retryAfter: response.headers.get(HEADER.retryAfter), close: () => undefined };
}

function expectRefused(reply: Tail, limit: string) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(429);
  expect(reply.body.error.code).toBe("rate_limited");
  expect(reply.body.error.message).toContain(limit);
  expect(Number(reply.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(reply.body.error.retryAfterMs).toBeGreaterThan(0);
}

const healthy = async () => (await fetch(`${server.url}${API_PATH.healthz}`)).status;

describe("live tails per user and per process", () => {
  it("a guest opening 1,000 tails gets 429s past its cap while another user's tail and /healthz keep working", async () => {
    const [alice, bob] = await Promise.all([guest(), guest()]);
    const replies = await Promise.all(Array.from({ length: 1_000 }, () => tail(alice)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(PER_USER);
    const refused = replies.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(1_000 - PER_USER);
    for (const reply of refused) expectRefused(reply, "tailsPerUser");
    expect(server.services.limits.tails.openOf(alice.id)).toBe(PER_USER);

    expect((await tail(bob)).status).toBe(200);
    expect(await healthy()).toBe(200);
    // A long-poll that would wait is a live tail too; a catch-up read is not.
    expectRefused(await tail(alice, "long-poll"), "tailsPerUser");
    const catchUp = await fetch(`${server.url}${API_PATH.events(alice.chatId)}`, { headers: { Authorization: `Bearer ${alice.token}` } });
    expect(catchUp.status).toBe(200);
  }, 60_000);

  it("gives the slot back when the client disconnects: close some, open again → accepted", async () => {
    const alice = await guest();
    const tails = [await tail(alice), await tail(alice), await tail(alice)];
    expect(tails.map((t) => t.status)).toEqual([200, 200, 200]);
    expectRefused(await tail(alice), "tailsPerUser");
    tails[0]!.close();
    tails[1]!.close();
    await vi.waitFor(() => expect(server.services.limits.tails.openOf(alice.id)).toBe(1));
    expect((await tail(alice)).status).toBe(200);
    expect((await tail(alice)).status).toBe(200);
    expectRefused(await tail(alice), "tailsPerUser");
  });

  it("refuses any tail past the process's budget, and takes new ones once tails end", async () => {
    const guests = await Promise.all([guest(), guest(), guest(), guest()]);
    const held: Tail[] = [];
    for (const who of guests.slice(0, 3)) for (let i = 0; i < PER_USER && held.length < PER_PROCESS; i++) held.push(await tail(who));
    expect(held.map((t) => t.status)).toEqual(Array(PER_PROCESS).fill(200));
    expect(server.services.limits.tails.open).toBe(PER_PROCESS);

    const late = guests[3]!;
    expectRefused(await tail(late), "tailsPerProcess");
    expect(await healthy()).toBe(200);
    held[0]!.close();
    await vi.waitFor(() => expect(server.services.limits.tails.open).toBe(PER_PROCESS - 1));
    expect((await tail(late)).status).toBe(200);
  });
});
