/**
 * Parked tails through the real server (Postgres, the Bun streams-server, our model server, real
 * HTTP): once a chat is quiet for TAIL_PARK_AFTER_MS its tail's upstream read is closed, and the
 * next answer reaches the still-open tail through the writer's wake notice — exactly the log,
 * nothing twice.
 */
import { TEST_TAIL_SETTINGS, signInAsGuest, startTestServer, type TestServer } from "@open-chat/testing";
import type { ChatEvent } from "@open-chat/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, eventsOf, readSse, type SseFrame } from "./helpers/api.js";
import { startStreamsBackend, streamsBackendKinds, type RunningStreamsBackend } from "./helpers/streams.js";

describe.runIf(streamsBackendKinds().includes("bun-server"))("parked tails, Bun streams-server", () => {
  let streams: RunningStreamsBackend;
  let server: TestServer;
  let token: string;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    streams = await startStreamsBackend("bun-server");
    server = await startTestServer({
      streams: { url: streams.url, apiKey: streams.apiKey },
      settings: { tail: { ...TEST_TAIL_SETTINGS, upstream: "live", parkAfterMs: 1_000 } },
    });
    token = await signInAsGuest(server.url);
    api = apiClient(server.url, token);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await streams?.stop();
  });

  it("an answer sent after the tail parked reaches it exactly", async () => {
    const chat = await api.createChat();
    const completed = (frames: SseFrame[]) => eventsOf(frames).filter((e: ChatEvent) => e.type === "message.completed").length;
    const opened = Promise.withResolvers<void>();
    const tail = readSse(server.url, token, chat.id, { onResponse: () => opened.resolve(), until: (frames) => completed(frames) === 2 });
    await opened.promise;

    expect((await api.send(chat.id, { clientMessageId: "park-1", text: "first [[tokens:20]]" })).status).toBeLessThan(300);
    // Quiet for a second after the answer: the hub's sweep parks the stream's upstream read.
    await waitUntil(() => server.services.streamHub.stats().parked === 1);
    expect(server.services.streamHub.stats()).toMatchObject({ upstreams: 1, attached: 1 });

    expect((await api.send(chat.id, { clientMessageId: "park-2", text: "second [[tokens:40]]" })).status).toBeLessThan(300);
    const frames = await tail;
    const log = (await api.readAll(chat.id)).events;
    expect(completed(frames)).toBe(2);
    expect(eventsOf(frames).map((e) => e.id)).toEqual(log.map((e) => e.id));
  }, 30_000);
});

/** Polls `condition` every 20 ms until it holds (the test's timeout is the failure). */
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
