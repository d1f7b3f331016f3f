/**
 * The server-wide model policy end to end, as the built-in `default` tenant's users get it (no
 * tenants configured, keyless requests): a model outside ALLOWED_MODELS + MODEL is refused
 * before anything is recorded, `max_tokens` reaches the provider, and a 2,000-turn chat sends a
 * prompt within the context budget. Tenants' own policies and providers:
 * model-policy-tenants.test.ts.
 */
import { API_PATH, EVENT_TYPE, type EventPayload } from "@open-chat/shared";
import { readLog, signInAsGuest, startTestServer, type TestServer } from "@open-chat/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimatePromptTokens, inputBudget } from "../src/generation/context-budget.js";
import type { PromptMessage } from "../src/generation/model-client.js";
import { createEventFactory } from "../src/log/event-factory.js";
import { chatKey } from "../src/log/stream-names.js";
import { apiClient } from "./helpers/api.js";

const SYSTEM_PROMPT = "You are the test assistant.";
const MODELS = { allowed: ["allowed-model"], maxOutputTokens: 321, contextTokens: 16_000 };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ settings: { models: MODELS, systemPrompt: SYSTEM_PROMPT } });
}, 60_000);
afterAll(() => server?.close());

async function userOf(token: string) {
  const session = await server.services.prisma.session.findFirstOrThrow({ where: { token: token.split(".")[0]! }, include: { user: true } });
  return { id: session.user.id, tenantId: session.user.tenantId };
}

/** Sends and waits until the answer has ended; returns the model request it made. */
async function sendAndSettle(api: ReturnType<typeof apiClient>, chatId: string, body: object) {
  const before = server.model.requests.length;
  const reply = await api.send(chatId, body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  await server.idle();
  expect(server.model.requests.length).toBe(before + 1);
  return { turn: reply.body as { assistantMessageId: string }, request: server.model.requests.at(-1)! };
}

let clientSeq = 0;
const nextId = () => `c-${++clientSeq}`;

describe("the server-wide policy (built-in default tenant)", () => {
  let token: string;
  let api: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    token = await signInAsGuest(server.url);
    api = apiClient(server.url, token);
  });

  it("refuses a send naming a model outside the policy: 400 model_not_allowed, nothing appended, no turn", async () => {
    const chat = await api.createChat();
    const requests = server.model.requests.length;
    const reply = await api.send(chat.id, { clientMessageId: nextId(), text: "spend their money", model: "openai/o1-pro" });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("model_not_allowed");
    expect(reply.body.error.message).toContain("openai/o1-pro");
    await server.idle();
    expect((await readLog(server.url, token, chat.id)).events).toEqual([]);
    expect(await server.services.prisma.turn.count({ where: { chatId: chat.id } })).toBe(0);
    expect(server.model.requests.length).toBe(requests);
  });

  it("refuses a chat naming a model outside the policy: 400 model_not_allowed, no chat", async () => {
    const user = await userOf(token);
    const chats = await server.services.prisma.chat.count({ where: { userId: user.id } });
    const reply = await api.call("POST", API_PATH.chats, { title: "expensive", model: "openai/o1-pro" });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("model_not_allowed");
    expect(await server.services.prisma.chat.count({ where: { userId: user.id } })).toBe(chats);
  });

  it("accepts the default and the allowed models, and max_tokens reaches the model server", async () => {
    const chat = await api.createChat();
    const unnamed = await sendAndSettle(api, chat.id, { clientMessageId: nextId(), text: "hi" });
    expect(unnamed.request.body).toMatchObject({ model: "test-model", max_tokens: MODELS.maxOutputTokens });
    expect(unnamed.request.body.messages[0]).toEqual({ role: "system", content: SYSTEM_PROMPT });
    const named = await sendAndSettle(api, chat.id, { clientMessageId: nextId(), text: "again", model: "allowed-model" });
    expect(named.request.body).toMatchObject({ model: "allowed-model", max_tokens: MODELS.maxOutputTokens });
    // The chat keeps the model of its last send.
    expect((await sendAndSettle(api, chat.id, { clientMessageId: nextId(), text: "more" })).request.body.model).toBe("allowed-model");

    const withModel = await api.call("POST", API_PATH.chats, { model: "allowed-model" });
    expect(withModel.status).toBe(201);
    const inChat = await sendAndSettle(api, withModel.body.id, { clientMessageId: nextId(), text: "hi" });
    expect(inChat.request.body.model).toBe("allowed-model");
    const { state } = await readLog(server.url, token, withModel.body.id);
    expect(state.messages.find((m) => m.id === inChat.turn.assistantMessageId)).toMatchObject({ status: "completed", model: "allowed-model" });
  });
});

describe("the context budget", () => {
  it("a 2,000-turn chat sends a prompt within budget: the newest turns, not the oldest, system prompt first", async () => {
    const token = await signInAsGuest(server.url);
    const api = apiClient(server.url, token);
    const chat = await api.createChat();
    const { name: stream } = await server.services.ensureUserStream(await userOf(token));

    // 2,000 earlier turns (about 220,000 estimated tokens), appended the way sends append them.
    const events = createEventFactory("seed-history", () => new Date());
    const question = (i: number) => `question ${i}: ${"what about this part of the plan? ".repeat(3)}`;
    const answer = (i: number) => `answer ${i}: ${"here is a considered reply to that part. ".repeat(5)}`;
    const payloads: EventPayload[] = [];
    for (let i = 0; i < 2_000; i++) {
      const base = { chatId: chat.id, messageId: `msg_seed_a${i}` };
      payloads.push(
        { type: EVENT_TYPE.messageCreated, chatId: chat.id, messageId: `msg_seed_u${i}`, role: "user", text: question(i), clientId: `seed-${i}` },
        { type: EVENT_TYPE.messageCreated, ...base, role: "assistant", text: answer(i), model: "test-model" },
        { type: EVENT_TYPE.messageCompleted, ...base, finishReason: "stop", usage: { inputTokens: 1, outputTokens: 1, costMicroUsd: 0 } },
      );
    }
    for (let start = 0; start < payloads.length; start += 500) {
      await server.services.streams.append(stream, payloads.slice(start, start + 500).map((p) => events.make(p)), { key: chatKey(chat.id) });
    }

    const { request } = await sendAndSettle(api, chat.id, { clientMessageId: nextId(), text: "and the last step?" });
    const prompt = request.body.messages as PromptMessage[];
    const budget = inputBudget(MODELS);
    expect(estimatePromptTokens(prompt)).toBeLessThanOrEqual(budget);
    expect(estimatePromptTokens(prompt)).toBeGreaterThan(budget * 0.9); // trimmed to the budget, not far below it
    expect(prompt[0]).toEqual({ role: "system", content: SYSTEM_PROMPT });
    expect(prompt[1]!.role).toBe("user");
    expect(prompt.at(-1)).toEqual({ role: "user", content: "and the last step?" });
    expect(prompt.at(-2)).toEqual({ role: "assistant", content: answer(1_999) });
    expect(prompt.at(-3)).toEqual({ role: "user", content: question(1_999) });
    const contents = prompt.map((m) => m.content);
    expect(contents).not.toContain(question(0));
    expect(contents).not.toContain(answer(0));
    // Contiguous: from some turn k on, every turn is there in order.
    const first = Number(/^question (\d+):/.exec(prompt[1]!.content)![1]);
    expect(prompt.slice(1, -1)).toEqual(Array.from({ length: 2_000 - first }, (_, j) => [
      { role: "user", content: question(first + j) },
      { role: "assistant", content: answer(first + j) },
    ]).flat());

    // The log keeps everything.
    const { state } = await readLog(server.url, token, chat.id);
    expect(state.messages).toHaveLength(4_002);
  }, 60_000);
});

