/**
 * A new turn's model request goes out while its opening is being appended (generation/
 * opening-gate.ts), and nothing of the answer reaches the log before the opening did: real
 * server, Postgres, the Bun streams tier behind a proxy that holds or loses the opening's append.
 */
import { materialize, type ChatEvent } from "@open-chat/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAsGuest, startTestServer, TEST_LIMITS, type TestServer } from "@open-chat/testing";
import { afterOpening, OpeningFailed } from "../src/generation/opening-gate.js";
import { apiClient } from "./helpers/api.js";
import { startLoopbackProxy, startStreamsBackend, type LoopbackProxy, type ProxyPlan, type RunningStreamsBackend } from "./helpers/streams.js";

describe("afterOpening", () => {
  /** A source that records when it was first asked, and yields what the test pushes. */
  function source() {
    const asked = Promise.withResolvers<void>();
    const chunks = ["a", "b"];
    return {
      asked: asked.promise,
      chunks: (async function* () {
        asked.resolve();
        yield* chunks;
      })(),
    };
  }

  it("asks the source at once and yields nothing before the opening resolves", async () => {
    const { asked, chunks } = source();
    const opened = Promise.withResolvers<void>();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const chunk of afterOpening(chunks, opened.promise, new AbortController())) seen.push(chunk);
    })();
    await asked;
    expect(seen).toEqual([]);
    opened.resolve();
    await reading;
    expect(seen).toEqual(["a", "b"]);
  });

  it("aborts the request and throws OpeningFailed, yielding nothing, when the opening fails", async () => {
    const controller = new AbortController();
    const asked = Promise.withResolvers<void>();
    // Like a model request: pending until it is answered or aborted.
    const chunks = (async function* () {
      asked.resolve();
      await new Promise((_, reject) => controller.signal.addEventListener("abort", () => reject(controller.signal.reason)));
      yield "never";
    })();
    const opened = Promise.withResolvers<void>();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const chunk of afterOpening(chunks, opened.promise, controller)) seen.push(chunk);
    })();
    await asked;
    opened.reject(new Error("append refused"));
    await expect(reading).rejects.toBeInstanceOf(OpeningFailed);
    expect(controller.signal.reason).toBeInstanceOf(OpeningFailed);
    expect(seen).toEqual([]);
  });
});

describe("a send's opening and its answer", () => {
  let streams: RunningStreamsBackend;
  let proxy: LoopbackProxy;
  let server: TestServer;
  let api: ReturnType<typeof apiClient>;
  /** What the proxy does to the next append to a user's stream (wake notices pass). */
  let nextAppend: ProxyPlan | undefined;
  let appendArrived = Promise.withResolvers<void>();

  beforeAll(async () => {
    streams = await startStreamsBackend("bun-server");
    proxy = await startLoopbackProxy({
      target: streams.url,
      plan(req) {
        if (req.method !== "POST" || (req.url ?? "").includes("wake") || !nextAppend) return "forward";
        const plan = nextAppend;
        nextAppend = undefined;
        appendArrived.resolve();
        return plan;
      },
    });
    // A cap of 2 running answers: a turn whose opening is still being written counts once.
    // Sweeps only when a test asks (`takeover.sweep()`): a lapsed lease waits for it.
    server = await startTestServer({
      streams: { url: proxy.url, apiKey: streams.apiKey },
      settings: { limits: { ...TEST_LIMITS, runningAnswersPerProcess: 2 }, takeover: { sweepMs: 600_000, continueAnswers: true, maxResumes: 3 } },
    });
    api = apiClient(server.url, await signInAsGuest(server.url));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await streams?.stop();
  });

  const turnEvents = (events: ChatEvent[]) => events.filter((e) => e.type !== "chat.renamed");

  it("asks the model while the opening is appended, and appends nothing of the answer before it", async () => {
    const chat = await api.createChat();
    const asked = server.model.requests.length;
    const forward = Promise.withResolvers<void>();
    appendArrived = Promise.withResolvers<void>();
    nextAppend = { forwardWhen: forward.promise };
    const sending = api.send(chat.id, { clientMessageId: "held", text: "hi [[tokens:3]]" });
    await appendArrived.promise;
    // The opening's append is held at the proxy; the model has been asked all the same.
    await server.model.waitForRequests(asked + 1);
    expect(turnEvents((await api.readAll(chat.id)).events)).toEqual([]);
    // Its answer has started while its send is in flight: one of the cap's 2, not both.
    const other = await api.createChat();
    const second = await api.send(other.id, { clientMessageId: "beside", text: "hi [[tokens:1]]" });
    expect(second.status, JSON.stringify(second.body)).toBe(202);

    forward.resolve();
    expect((await sending).status).toBe(202);
    await server.idle();
    const { events } = await api.readAll(chat.id);
    expect(events.slice(0, 3).map((e) => e.type)).toEqual(["message.created", "message.created", "generation.started"]);
    const answer = materialize(events).messages.find((m) => m.role === "assistant");
    expect(answer).toMatchObject({ status: "completed" });
    expect(answer?.text.length).toBeGreaterThan(0);
  });

  it("a lost answer to the opening's append: 503 log_unavailable, nothing of the answer written; the retry answers once", async () => {
    const chat = await api.createChat();
    const asked = server.model.requests.length;
    appendArrived = Promise.withResolvers<void>();
    nextAppend = "drop-response";
    const failed = await api.send(chat.id, { clientMessageId: "lost", text: "hi [[tokens:3]]" });
    expect(failed).toMatchObject({ status: 503, body: { error: { code: "streams_unavailable" } } });
    await server.idle();
    // The opening landed (only its answer was lost) and the model was asked; the answer wrote nothing.
    expect(server.model.requests.length).toBe(asked + 1);
    const before = (await api.readAll(chat.id)).events;
    expect(before.map((e) => e.type)).toEqual(["message.created", "message.created", "generation.started"]);

    const retried = await api.send(chat.id, { clientMessageId: "lost", text: "hi [[tokens:3]]" });
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
    await server.idle();
    const { events } = await api.readAll(chat.id);
    const state = materialize(events);
    expect(state.messages.map((m) => [m.role, m.status])).toEqual([
      ["user", "completed"],
      ["assistant", "completed"],
    ]);
    expect(events.filter((e) => e.type === "message.completed")).toHaveLength(1);
    expect(server.model.requests.length).toBe(asked + 2);
  });

  it("a lost answer to the opening's append and no retry: the turn is answered all the same, and a later retry returns it", async () => {
    const chat = await api.createChat();
    appendArrived = Promise.withResolvers<void>();
    nextAppend = "drop-response";
    const failed = await api.send(chat.id, { clientMessageId: "never-retried", text: "hi [[tokens:3]]" });
    expect(failed.status).toBe(503);
    await server.idle();
    // The opening may have landed (it did): its lease must not simply go, or nothing would ever
    // end the answer it started. It lapses at once, and the next sweep answers the turn.
    await server.server.takeover.sweep();
    await server.idle();
    const { events } = await api.readAll(chat.id);
    const answer = materialize(events).messages.find((m) => m.role === "assistant");
    expect(answer).toMatchObject({ status: "completed", generation: { resumes: 1 } });
    expect(answer?.text.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === "message.completed")).toHaveLength(1);

    const asked = server.model.requests.length;
    const retried = await api.send(chat.id, { clientMessageId: "never-retried", text: "hi [[tokens:3]]" });
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
    expect(retried.body).toMatchObject({ assistantMessageId: answer!.id });
    await server.idle();
    expect(server.model.requests.length).toBe(asked);
    expect((await api.readAll(chat.id)).events).toEqual(events);
  });

  it("an opening the tier refused outright: nothing written, and the chat is free at once", async () => {
    const chat = await api.createChat();
    appendArrived = Promise.withResolvers<void>();
    nextAppend = { answer: 400 };
    const failed = await api.send(chat.id, { clientMessageId: "refused", text: "hi [[tokens:3]]" });
    expect(failed.status).toBe(503);
    await server.idle();
    expect(turnEvents((await api.readAll(chat.id)).events)).toEqual([]);
    // Released, not lapsed: another message needs no sweep first.
    const next = await api.send(chat.id, { clientMessageId: "after-refused", text: "hi [[tokens:2]]" });
    expect(next.status, JSON.stringify(next.body)).toBe(202);
    await server.idle();
  });
});
