/**
 * A send into a chat whose answer is still running (`409 generation_in_progress`) against the
 * real server with lease takeover: the SDK's error carries the server's `retryAfterMs`, and the
 * outbox retries when the lease lapses even if the running answer never writes a terminal event
 * (its holder died), instead of waiting on the tail forever.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_SETTINGS } from "@open-chat/server";
import { readLog, startTestServer, type TestServer } from "@open-chat/testing";
import { createChatClient, memoryStorage, OpenChatError } from "../src/index.js";
import { recordingFetch, sendCalls } from "./helpers/fetch.js";
import { assistants, storedToken, users } from "./helpers/util.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    settings: {
      // Sweep often, so an expired lease is taken over (and, having no answer, released) at once.
      takeover: { sweepMs: 100, continueAnswers: true, maxResumes: 3 },
      generation: { ...DEFAULT_SETTINGS.generation, leaseMs: 1_500 },
    },
  });
});
afterAll(async () => {
  await server?.close();
});

const fast = { initialDelayMs: 10, maxDelayMs: 100 };

/** Hands the chat's lease to a holder that is gone; it expires in `ms`. */
async function holdLeaseByDeadHolder(chatId: string, ms: number): Promise<void> {
  await server.services.prisma.chat.update({
    where: { id: chatId },
    data: { activeGenerationId: "gen_of_a_dead_process", leaseHolder: "dead", leaseExpiresAt: new Date(Date.now() + ms) },
  });
}

describe("busy chat", () => {
  test("409 generation_in_progress exposes retryAfterMs (body, else Retry-After) on OpenChatError", async () => {
    const storage = memoryStorage();
    const client = createChatClient({ baseUrl: server.url, storage });
    const chat = await client.createChat();
    await holdLeaseByDeadHolder(chat.id, 5_000);
    const request = { method: "POST", url: `/v1/chats/${chat.id}/messages` };
    const response = await fetch(server.url + request.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${await storedToken(storage)}` },
      body: JSON.stringify({ clientMessageId: "c_busy_1", text: "hi" }),
    });
    const error = await OpenChatError.fromResponse(response, request);
    expect(error.status).toBe(409);
    expect(error.code).toBe("generation_in_progress");
    expect(error.retryAfterMs).toBeGreaterThan(3_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(5_000);
    // Without a body, the Retry-After header (seconds) is read.
    const headerOnly = await OpenChatError.fromResponse(new Response("", { status: 409, headers: { "Retry-After": "3" } }), request);
    expect(headerOnly.retryAfterMs).toBe(3_000);
    await client.close();
  });

  test(
    "the answer's holder died without a terminal event: the send is retried once the lease lapses and delivered as one turn",
    async () => {
      const storage = memoryStorage();
      const recorder = recordingFetch();
      const client = createChatClient({ baseUrl: server.url, storage, fetch: recorder.fetch, reconnect: fast });
      const chat = await client.createChat();
      const tail = client.openChat(chat.id);
      // Turn 1: the model streams two tokens, then goes silent.
      await client.send(chat.id, "first [[fail:stall:2]]");
      await tail.until((state) => assistants(state)[0]?.text !== undefined && assistants(state)[0]!.text.length > 0);
      // Its process "dies": the lease goes to a holder that will never renew it, so this
      // process's keeper aborts the answer without writing anything more. It stays streaming.
      await holdLeaseByDeadHolder(chat.id, 1_500);
      await server.services.generations.renewLeases();

      const second = await client.send(chat.id, "second [[tokens:3]]");

      const posts = sendCalls(recorder.calls);
      expect(posts.some((p) => p.status === 409)).toBe(true);
      expect(posts.at(-1)!.status).toBe(202);
      expect(new Set(posts.map((p) => JSON.parse(p.body!).clientMessageId)).size).toBe(2);
      await tail.until((state) => assistants(state).some((m) => m.id === second.assistantMessageId && m.status === "completed"));
      const log = await readLog(server.url, await storedToken(storage), chat.id);
      const delivered = log.state.messages.filter((m) => m.role === "user" && m.clientId === second.clientMessageId);
      expect(delivered.map((m) => [m.id, m.text])).toEqual([[second.userMessageId, "second [[tokens:3]]"]]);
      expect(users(tail.state).map((m) => m.text)).toEqual(["first [[fail:stall:2]]", "second [[tokens:3]]"]);
      // The first answer never ended (its holder is gone for good): the outbox did not wait for it.
      expect(assistants(tail.state)[0]!.status).toBe("streaming");
      await client.close();
    },
    30_000,
  );
});
