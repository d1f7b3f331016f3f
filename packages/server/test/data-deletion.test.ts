/**
 * Deleting end users removes everything: self-service `DELETE /v1/me` (guests and verified
 * users) and the purge of guests unused for GUEST_RETENTION_DAYS. "Gone" is checked where the
 * data lives: no rows in Postgres, and the user's stream no longer exists in the streams tier.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { API_PATH } from "@open-chat/shared";
import { signInAsGuest, startTestServer, type TestServer } from "@open-chat/testing";
import { StreamsError } from "../src/streams/client/errors.js";
import { userStreamName } from "../src/log/stream-names.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ gateModel: true });
});
afterAll(() => server?.close());

async function api(token: string, path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? "GET",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

/** A guest with one chat and one completed answer; resolves with the guest's user id too. */
async function guestWithHistory(): Promise<{ token: string; userId: string; chatId: string }> {
  const token = await signInAsGuest(server.url);
  const chat = (await api(token, API_PATH.chats, { method: "POST", body: {} })).body;
  server.model.enqueue({ tokens: ["stored ", "answer"] });
  expect((await api(token, API_PATH.messages(chat.id), { method: "POST", body: { clientMessageId: "c1", text: "remember me" } })).status).toBe(202);
  await server.idle();
  const userId = (await server.services.prisma.chat.findUniqueOrThrow({ where: { id: chat.id } })).userId;
  return { token, userId, chatId: chat.id };
}

async function streamExists(userId: string): Promise<boolean> {
  try {
    await server.services.streams.read(userStreamName({ id: userId, tenantId: "default" }), { offset: "-1" });
    return true;
  } catch (error) {
    if (error instanceof StreamsError && error.status === 404) return false;
    throw error;
  }
}

async function rowsOf(userId: string) {
  const { prisma } = server.services;
  return {
    users: await prisma.user.count({ where: { id: userId } }),
    sessions: await prisma.session.count({ where: { userId } }),
    chats: await prisma.chat.count({ where: { userId } }),
    streams: await prisma.userStream.count({ where: { userId } }),
  };
}

describe("DELETE /v1/me", () => {
  it("deletes the user's rows and stream; the token stops working", async () => {
    const { token, userId } = await guestWithHistory();
    expect(await streamExists(userId)).toBe(true);
    const response = await api(token, API_PATH.me, { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(response.body.deleted).toEqual({ userId, chats: 1, streamDeleted: true });
    expect(await streamExists(userId)).toBe(false);
    expect(await rowsOf(userId)).toEqual({ users: 0, sessions: 0, chats: 0, streams: 0 });
    expect((await api(token, API_PATH.chats)).status).toBe(401);
  });

  it("stops a running answer first", async () => {
    const token = await signInAsGuest(server.url);
    const chat = (await api(token, API_PATH.chats, { method: "POST", body: {} })).body;
    server.modelGate!.hold();
    server.model.enqueue({ tokens: ["never ", "finished ", "answer"] });
    expect((await api(token, API_PATH.messages(chat.id), { method: "POST", body: { clientMessageId: "c1", text: "hi" } })).status).toBe(202);
    await server.modelGate!.releaseText(1);
    expect((await api(token, API_PATH.me, { method: "DELETE" })).status).toBe(200);
    server.modelGate!.open();
    await server.idle();
    const userId = (await server.services.prisma.chat.findUnique({ where: { id: chat.id } }))?.userId;
    expect(userId).toBeUndefined();
  });

  it("ends the user's live tails, quietly", async () => {
    const { token, chatId } = await guestWithHistory();
    const warn = vi.spyOn(console, "warn");
    try {
      const tail = await fetch(`${server.url}${API_PATH.events(chatId)}?live=sse&offset=-1`, { headers: { Authorization: `Bearer ${token}` } });
      const reader = tail.body!.getReader();
      await reader.read(); // live
      expect((await api(token, API_PATH.me, { method: "DELETE" })).status).toBe(200);
      for (;;) if ((await reader.read()).done) break;
      expect(warn.mock.calls.filter((call) => String(call[0]).includes("tail of"))).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  it("answers 401 without a session", async () => {
    const response = await fetch(`${server.url}${API_PATH.me}`, { method: "DELETE" });
    expect(response.status).toBe(401);
  });
});

describe("guest purge", () => {
  it("deletes guests unused for the retention period, with their streams, and nobody else", async () => {
    const stale = await guestWithHistory();
    const fresh = await guestWithHistory();
    const longAgo = new Date(Date.now() - 40 * 24 * 60 * 60 * 1000);
    const { prisma } = server.services;
    await prisma.user.update({ where: { id: stale.userId }, data: { createdAt: longAgo } });
    await prisma.session.updateMany({ where: { userId: stale.userId }, data: { updatedAt: longAgo } });
    await prisma.$executeRaw`UPDATE "chat" SET "updatedAt" = ${longAgo} WHERE "userId" = ${stale.userId}`;
    // A guest created long ago but still chatting stays.
    await prisma.user.update({ where: { id: fresh.userId }, data: { createdAt: longAgo } });

    // The server's own job (GUEST_RETENTION_DAYS, 30 by default) runs a pass when it starts.
    const job = server.services.startGuestPurge()!;
    expect(await job.runNow()).toBe(0); // the start pass took the stale guest; nothing left
    await job.stop();
    expect(await rowsOf(stale.userId)).toEqual({ users: 0, sessions: 0, chats: 0, streams: 0 });
    expect(await streamExists(stale.userId)).toBe(false);
    expect((await rowsOf(fresh.userId)).users).toBe(1);
    expect(await streamExists(fresh.userId)).toBe(true);
    expect((await api(fresh.token, API_PATH.chats)).status).toBe(200);
  });
});
