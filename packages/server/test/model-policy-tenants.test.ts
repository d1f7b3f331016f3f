/**
 * Tenants' own model policies end to end (real HTTP, Postgres, streams tier, our model
 * servers): a tenant's default and allowed models, `max_tokens` and system prompt replace the
 * server's; a chat's model the tenant no longer allows falls back to its default; a tenant's
 * own provider (bring your own key) gets its answers with its key, which the database never
 * holds in plain text, and a new key takes effect at once; a taken-over answer continues at
 * the tenant's provider with the output budget that is left.
 *
 * End users act through their tenant's publishable key. Against a server without key checks
 * the key is ignored, so each guest is also moved into its tenant directly.
 */
import { API_PATH, EVENT_TYPE, HEADER, materialize, type EventPayload } from "@open-chat/shared";
import { startTestServer, type TestServer } from "@open-chat/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateTextTokens } from "../src/generation/context-budget.js";
import { generationProducers } from "../src/generation/producers.js";
import { createEventFactory } from "../src/log/event-factory.js";
import { readChat } from "../src/log/read-chat.js";
import { chatKey } from "../src/log/stream-names.js";
import { startModelServer, type ModelServer } from "../src/model-server/index.js";
import { apiClient } from "./helpers/api.js";

const MAX_OUTPUT_TOKENS = 321;

let server: TestServer;
const extraModelServers: ModelServer[] = [];
beforeAll(async () => {
  server = await startTestServer({
    settings: {
      models: { allowed: ["allowed-model"], maxOutputTokens: MAX_OUTPUT_TOKENS, contextTokens: 16_000 },
      // Sweeps are explicit here (`takeover.sweep()`): no lease is taken behind a test's back.
      takeover: { sweepMs: 600_000, continueAnswers: true, maxResumes: 3 },
    },
  });
}, 60_000);
afterAll(async () => {
  for (const extra of extraModelServers) await extra.close();
  await server?.close();
});

/** A new guest of `tenantId`, signed in with the tenant's publishable key, and its API client. */
async function tenantUser(tenantId: string) {
  const { key } = await server.services.tenants.createKey(tenantId, "publishable", "model policy test");
  const site = { [HEADER.publishableKey]: key };
  const response = await fetch(`${server.url}${API_PATH.signInAnonymous}`, { method: "POST", headers: { "Content-Type": "application/json", ...site }, body: "{}" });
  const token = response.headers.get(HEADER.authToken);
  if (response.status !== 200 || !token) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const session = await server.services.prisma.session.findFirstOrThrow({ where: { token: token.split(".")[0]! } });
  await server.services.prisma.user.update({ where: { id: session.userId }, data: { tenantId } });
  const api = apiClient(server.url, token);
  const call = (method: string, path: string, body?: unknown) => api.call(method, path, body, { headers: site });
  return {
    user: { id: session.userId, tenantId },
    createChat: async (body: object = {}) => call("POST", API_PATH.chats, body),
    send: (chatId: string, body: object) => call("POST", API_PATH.messages(chatId), body),
  };
}
type TenantUser = Awaited<ReturnType<typeof tenantUser>>;

/** Sends and waits until the answer has ended; returns the request `model` received. */
async function sendAndSettle(user: TenantUser, model: ModelServer, chatId: string, body: object) {
  const before = model.requests.length;
  const reply = await user.send(chatId, body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  await server.idle();
  expect(model.requests.length).toBe(before + 1);
  return { turn: reply.body as { assistantMessageId: string }, request: model.requests.at(-1)! };
}

/** The chat as the log has it (read by the server's own reader: no HTTP auth involved). */
async function chatState(user: TenantUser, chatId: string) {
  const { name } = await server.services.ensureUserStream(user.user);
  const { records } = await readChat(server.services.streams, name, chatKey(chatId));
  return materialize(records);
}

async function extraModelServer(apiKey: string): Promise<ModelServer> {
  const extra = await startModelServer({ apiKey });
  extraModelServers.push(extra);
  return extra;
}

let clientSeq = 0;
const nextId = () => `c-${++clientSeq}`;

describe("a tenant's own policy", () => {
  it("sets the default model, allowed models, max_tokens and system prompt; a chat's model it no longer allows falls back to its default", async () => {
    const tenant = await server.services.tenants.create({
      name: "Policy shop",
      modelPolicy: { defaultModel: "tenant-default", allowedModels: ["tenant-extra"], maxOutputTokens: 77, systemPrompt: "Tenant prompt" },
    });
    const user = await tenantUser(tenant.id);
    const chat = (await user.createChat()).body as { id: string };

    const first = await sendAndSettle(user, server.model, chat.id, { clientMessageId: nextId(), text: "hello" });
    expect(first.request.body).toMatchObject({ model: "tenant-default", max_tokens: 77 });
    expect(first.request.body.messages[0]).toEqual({ role: "system", content: "Tenant prompt" });

    // The server-wide allowed model is not this tenant's: its list replaces the server's.
    const refused = await user.send(chat.id, { clientMessageId: nextId(), text: "x", model: "allowed-model" });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("model_not_allowed");
    expect((await user.createChat({ model: "allowed-model" })).status).toBe(400);

    const extraChat = await user.createChat({ model: "tenant-extra" });
    expect(extraChat.status).toBe(201);
    expect((await sendAndSettle(user, server.model, extraChat.body.id, { clientMessageId: nextId(), text: "hi" })).request.body.model).toBe("tenant-extra");
    await server.services.tenants.update(tenant.id, { modelPolicy: { defaultModel: "tenant-default", allowedModels: [], maxOutputTokens: 77 } });
    const fallback = await sendAndSettle(user, server.model, extraChat.body.id, { clientMessageId: nextId(), text: "and now?" });
    expect(fallback.request.body.model).toBe("tenant-default");
  });
});

describe("bring your own key", () => {
  it("sends the tenant's answers to its own provider with its key; the database never holds the key in plain text; a new key takes effect", async () => {
    const key = `byok-key-${crypto.randomUUID()}`;
    const provider = await extraModelServer(key);
    const tenant = await server.services.tenants.create({
      name: "BYOK shop",
      provider: { baseUrl: provider.url, apiKey: key },
      modelPolicy: { defaultModel: "their-model" },
    });
    const user = await tenantUser(tenant.id);
    const chat = (await user.createChat()).body as { id: string };

    const ours = server.model.requests.length;
    const { request, turn } = await sendAndSettle(user, provider, chat.id, { clientMessageId: nextId(), text: "hi" });
    expect(request.headers.authorization).toBe(`Bearer ${key}`);
    expect(request.body).toMatchObject({ model: "their-model", max_tokens: MAX_OUTPUT_TOKENS });
    expect(server.model.requests.length).toBe(ours);
    expect((await chatState(user, chat.id)).messages.find((m) => m.id === turn.assistantMessageId)).toMatchObject({ status: "completed" });

    const client = new pg.Client({ connectionString: server.database.url });
    await client.connect();
    try {
      const row = await client.query(`SELECT row_to_json(t)::text AS json FROM "tenant" t WHERE id = $1`, [tenant.id]);
      expect(row.rows[0].json).toContain(provider.url);
      expect(row.rows[0].json).not.toContain(key);
      // Nor anywhere else in the database.
      const tables = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
      for (const { table_name } of tables.rows as Array<{ table_name: string }>) {
        const hits = await client.query(`SELECT count(*)::int AS n FROM "${table_name}" t WHERE row_to_json(t)::text LIKE $1`, [`%${key}%`]);
        expect(hits.rows[0].n, table_name).toBe(0);
      }
    } finally {
      await client.end();
    }

    const newKey = `byok-key-${crypto.randomUUID()}`;
    const next = await extraModelServer(newKey);
    await server.services.tenants.update(tenant.id, { provider: { baseUrl: next.url, apiKey: newKey } });
    const after = await sendAndSettle(user, next, chat.id, { clientMessageId: nextId(), text: "still there?" });
    expect(after.request.headers.authorization).toBe(`Bearer ${newKey}`);
    expect(provider.requests).toHaveLength(1);

    // Without its own provider the tenant's answers go to the server's again.
    await server.services.tenants.update(tenant.id, { provider: null });
    const back = await sendAndSettle(user, server.model, chat.id, { clientMessageId: nextId(), text: "and now?" });
    expect(back.request.body.model).toBe("their-model");
    expect(next.requests).toHaveLength(1);
  });

  it("a provider that refuses the tenant's key ends the answer with model_error, and the message does not carry the key", async () => {
    const provider = await extraModelServer(`right-key-${crypto.randomUUID()}`);
    const wrongKey = `wrong-key-${crypto.randomUUID()}`;
    const tenant = await server.services.tenants.create({ name: "BYOK wrong key", provider: { baseUrl: provider.url, apiKey: wrongKey } });
    const user = await tenantUser(tenant.id);
    const chat = (await user.createChat()).body as { id: string };
    const reply = await user.send(chat.id, { clientMessageId: nextId(), text: "hi" });
    expect(reply.status).toBe(202);
    await server.idle();
    expect(provider.requests).toHaveLength(0); // refused before it was recorded
    const answer = (await chatState(user, chat.id)).messages.find((m) => m.id === reply.body.assistantMessageId);
    expect(answer).toMatchObject({ status: "error", error: { code: "model_error", retryable: false } });
    expect(JSON.stringify(answer)).not.toContain(wrongKey);
  });

  it("a taken-over answer continues at the tenant's provider with max_tokens less what was already written", async () => {
    const key = `byok-key-${crypto.randomUUID()}`;
    const provider = await extraModelServer(key);
    const tenant = await server.services.tenants.create({
      name: "BYOK takeover",
      provider: { baseUrl: provider.url, apiKey: key },
      modelPolicy: { defaultModel: "their-model", maxOutputTokens: 200 },
    });
    const user = await tenantUser(tenant.id);
    const chat = (await user.createChat()).body as { id: string };
    const { name: stream } = await server.services.ensureUserStream(user.user);

    // A turn whose holder died after writing part of the answer.
    const partial = "the first part of an answer, written before the holder died — ";
    const assistant = "msg_dead_byok";
    const { producerId, eventProducer } = generationProducers(assistant, 0);
    const events = createEventFactory(eventProducer, () => new Date());
    const base = { chatId: chat.id, messageId: assistant };
    const payloads: EventPayload[] = [
      { type: EVENT_TYPE.messageCreated, chatId: chat.id, messageId: "msg_user_byok", role: "user", text: "tell me [[tokens:10]]", clientId: "dead-1" },
      { type: EVENT_TYPE.messageCreated, ...base, role: "assistant", text: "", model: "their-model" },
      { type: EVENT_TYPE.generationStarted, ...base, holder: "dead", model: "their-model" },
      { type: EVENT_TYPE.messageDelta, ...base, text: partial },
    ];
    await server.services.streams.append(stream, payloads.map((p) => events.make(p)), { key: chatKey(chat.id), producer: { id: producerId, epoch: 0, seq: 0 } });
    await server.services.prisma.chat.update({
      where: { id: chat.id },
      data: { activeGenerationId: assistant, leaseHolder: "dead", leaseExpiresAt: new Date(Date.now() - 1) },
    });

    const ours = server.model.requests.length;
    await server.server.takeover.sweep();
    await server.idle();
    expect(provider.requests).toHaveLength(1);
    expect(server.model.requests.length).toBe(ours);
    const request = provider.requests[0]!;
    expect(request.headers.authorization).toBe(`Bearer ${key}`);
    expect(request.body.max_tokens).toBe(200 - estimateTextTokens(partial));
    expect(request.body.messages.at(-1)).toEqual({ role: "assistant", content: partial });
    const answer = (await chatState(user, chat.id)).messages.find((m) => m.id === assistant);
    expect(answer).toMatchObject({ status: "completed", generation: { resumes: 1 } });
    expect(answer!.text.startsWith(partial)).toBe(true);
  });
});
