/**
 * Live SSE tails sharing one upstream read per user stream (src/log/stream-hub.ts), through
 * the real server (Postgres, each streams tier behind a TCP proxy — streams-local over HTTP
 * long-polled, the Bun streams-server read live over SSE, as in production — our model server,
 * real HTTP):
 * many tails of one chat see exactly the log; a tail resuming mid-answer continues exactly;
 * when the streams tier goes away the tails end and resume exactly from their last id.
 */
import { TEST_TAIL_SETTINGS, signInAsGuest, startTcpProxy, startTestServer, type TcpProxy, type TestServer } from "@open-chat/testing";
import type { ChatEvent } from "@open-chat/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, eventsOf, isTerminalFor, lastControlId, readSse, readUntilMidAnswer, type SseFrame } from "./helpers/api.js";
import { startStreamsBackend, streamsBackendKinds, type RunningStreamsBackend } from "./helpers/streams.js";

let streams: RunningStreamsBackend;
let proxy: TcpProxy;
let server: TestServer;
let token: string;
let api: ReturnType<typeof apiClient>;


const ids = (events: ChatEvent[]) => events.map((e) => e.id);

/** Opens a tail; resolves once its response started, with its frames to come (read until `until`). */
async function openTail(chatId: string, until: (frames: SseFrame[]) => boolean): Promise<{ frames: Promise<SseFrame[]> }> {
  const opened = Promise.withResolvers<void>();
  const frames = readSse(server.url, token, chatId, { onResponse: () => opened.resolve(), until });
  await opened.promise;
  return { frames };
}

for (const kind of streamsBackendKinds()) {
describe(`SSE tails sharing one upstream read (${kind} tier)`, () => {
  beforeAll(async () => {
    streams = await startStreamsBackend(kind);
    proxy = await startTcpProxy(streams.url);
    const upstream = kind === "bun-server" ? "live" : "long-poll";
    server = await startTestServer({ streams: { url: proxy.url, apiKey: streams.apiKey }, settings: { tail: { ...TEST_TAIL_SETTINGS, upstream } } });
    token = await signInAsGuest(server.url);
    api = apiClient(server.url, token);
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await streams?.stop();
  });

  it("eight tails of one chat (and one of another chat of the user) each see exactly the log, in order", async () => {
    const chat = await api.createChat();
    const other = await api.createChat();
    const done = (frames: SseFrame[]) => eventsOf(frames).some((e) => e.type === "message.completed");
    const tails = await Promise.all(Array.from({ length: 8 }, () => openTail(chat.id, done)));
    const otherTail = await openTail(other.id, done);
    const reply = await api.send(chat.id, { clientMessageId: "fanout-1", text: "fan out [[tokens:120]] [[delay:2]]" });
    expect(reply.status).toBeLessThan(300);
    const replyOther = await api.send(other.id, { clientMessageId: "fanout-2", text: "other [[tokens:20]]" });
    expect(replyOther.status).toBeLessThan(300);

    const seen = await Promise.all(tails.map((t) => t.frames)); // each read until the answer completed
    const otherSeen = await otherTail.frames;
    const log = (await api.readAll(chat.id)).events;
    expect(log.at(-1)?.type).toBe("message.completed");
    for (const frames of seen) expect(ids(eventsOf(frames))).toEqual(ids(log));
    expect(ids(eventsOf(otherSeen))).toEqual(ids((await api.readAll(other.id)).events));
  }, 30_000);

  it("a tail resuming mid-answer with Last-Event-ID continues exactly where it left", async () => {
    const chat = await api.createChat();
    const watcher = openTail(chat.id, (frames) => eventsOf(frames).some((e) => e.type === "message.completed"));
    const { frames: before, sent } = await readUntilMidAnswer(server.url, token, chat.id, () =>
      api.send(chat.id, { clientMessageId: "resume-1", text: "resume [[tokens:200]] [[delay:2]]" }),
    );
    const messageId = (sent.body as { assistantMessageId: string }).assistantMessageId;
    const after = await readSse(server.url, token, chat.id, { lastEventId: lastControlId(before)!, until: (f) => isTerminalFor(messageId)(eventsOf(f)) });
    const log = (await api.readAll(chat.id)).events;
    expect(ids([...eventsOf(before), ...eventsOf(after)])).toEqual(ids(log));
    expect(ids(eventsOf(await (await watcher).frames))).toEqual(ids(log));
  }, 30_000);

  it("when the streams tier goes away the tails end, and each resumes exactly from its last id", async () => {
    const chat = await api.createChat();
    const messageOf = Promise.withResolvers<string>();
    let terminal = (_events: ChatEvent[]) => false;
    void messageOf.promise.then((id) => (terminal = isTerminalFor(id)));
    const hasDelta = (frames: SseFrame[]) => eventsOf(frames).some((e) => e.type === "message.delta");

    // Three tails read until the first deltas arrived, then the tier goes away under them.
    const firstLegs = Array.from({ length: 3 }, () => Promise.withResolvers<SseFrame[]>());
    const legs = await Promise.all(firstLegs.map(() => openTail(chat.id, () => false)));
    const midAnswer = Promise.all(legs.map((leg, i) => leg.frames.then((frames) => firstLegs[i]!.resolve(frames))));
    const reply = await api.send(chat.id, { clientMessageId: "outage-1", text: "outage [[tokens:300]] [[delay:3]]" });
    messageOf.resolve((reply.body as { assistantMessageId: string }).assistantMessageId);
    // Wait for deltas on a separate reader, then refuse the tier: every tail's upstream read fails.
    await readSse(server.url, token, chat.id, { until: hasDelta });
    await proxy.refuse();
    await midAnswer; // each tail's response ended (the upstream read failed)
    await proxy.accept();

    const log = async () => {
      for (;;) {
        const events = (await api.readAll(chat.id)).events;
        if (terminal(events)) return events;
        await server.idle();
      }
    };
    const full = await log();
    for (const first of firstLegs) {
      const frames = await first.promise;
      expect(terminal(eventsOf(frames))).toBe(false); // it really was cut short
      const rest = await readSse(server.url, token, chat.id, { lastEventId: lastControlId(frames)!, until: (f) => terminal(eventsOf(f)) });
      expect(ids([...eventsOf(frames), ...eventsOf(rest)])).toEqual(ids(full));
    }
  }, 30_000);
});
}
