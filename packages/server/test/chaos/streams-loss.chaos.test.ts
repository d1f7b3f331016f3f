/**
 * The streams tier loses data while the API server is down (a wiped data folder, or an
 * object-store bootstrap that restores the stream without its unuploaded tail and hands out
 * the lost offsets again). Offsets carry the stream's incarnation, so a client's stored offset
 * from before the loss is refused — whether the new stream is shorter or already longer than
 * that offset — and the client reads again from -1 instead of skipping events.
 */
import { randomUUID } from "node:crypto";
import { API_PATH, compareOffsets } from "@open-chat/shared";
import { createTestDatabase, readLog, signInAsGuest, type TestDatabase } from "@open-chat/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../src/db/client.js";
import { applyMigrations } from "../../src/db/migrate.js";
import { userStreamName } from "../../src/log/stream-names.js";
import { startModelServer, type ModelServer } from "../../src/model-server/index.js";
import { startStreamsBackend, type RunningStreamsBackend } from "../helpers/streams.js";
import { startApiProcess, type ApiProcess } from "./api-process.js";
import { authorized, createChat, ended, send, watchChat } from "./chat-watch.js";

let database: TestDatabase;
let db: Db;
let model: ModelServer;
const tiers: RunningStreamsBackend[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: applyMigrations });
  db = createDb({ connectionString: database.url });
  model = await startModelServer();
  // The tiers are streams-local over HTTP: long-polled (it crashes when a stream is deleted under an SSE read).
  env = { DATABASE_URL: database.url, OPENAI_BASE_URL: model.url, OPENAI_API_KEY: "test", MODEL: "m", AUTH_SECRET: `loss-${randomUUID()}`, TAIL_UPSTREAM: "long-poll" };
}, 60_000);
afterAll(async () => {
  await model?.close();
  await Promise.all(tiers.map((tier) => tier.stop()));
  await db?.close();
  await database?.drop();
});

async function freshTier(): Promise<RunningStreamsBackend> {
  const tier = await startStreamsBackend("embedded");
  tiers.push(tier);
  return tier;
}

async function completedTurn(api: ApiProcess, token: string, chatId: string, text: string) {
  const { assistantMessageId } = await send(api.url, token, chatId, text);
  await watchChat(() => api.url, token, chatId, ended(assistantMessageId));
}

const tierOffset = (offset: string) => offset.slice(offset.indexOf("-") + 1);

async function tail(api: ApiProcess, token: string, chatId: string, offset: string) {
  const response = await fetch(`${api.url}${API_PATH.events(chatId)}?offset=${offset}`, { headers: authorized(token) });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** Completes turns in `chatId` until the chat's log (in the new stream) passes `offset`. */
async function growPast(api: ApiProcess, token: string, chatId: string, offset: string) {
  while (compareOffsets(tierOffset((await readLog(api.url, token, chatId)).nextOffset), tierOffset(offset)) <= 0) {
    await completedTurn(api, token, chatId, "fill [[tokens:50]]");
  }
}

const refused = { status: 400, body: { error: { code: "invalid_offset" } } };

describe("streams data lost while the API server is down", () => {
  it("refuses a pre-loss offset whether the new stream is shorter or longer, also after a restore that lost its tail", async () => {
    const before = await startApiProcess({ ...env, STREAMS_URL: (await freshTier()).url });
    const token = await signInAsGuest(before.url);
    const chatId = await createChat(before.url, token);
    for (const n of [1, 2]) await completedTurn(before, token, chatId, `turn ${n} [[tokens:20]]`);
    const stored = (await readLog(before.url, token, chatId)).nextOffset; // what a client kept
    const { userId, tenantId } = await db.prisma.chat.findUniqueOrThrow({ where: { id: chatId } });
    await before.kill();

    // 1. A wiped tier: the stream is created again, empty — shorter than the stored offset.
    const wipedTier = await freshTier();
    let wiped = await startApiProcess({ ...env, STREAMS_URL: wipedTier.url });
    let storedAfterWipe: string;
    try {
      expect(await tail(wiped, token, chatId, stored)).toMatchObject(refused);
      await completedTurn(wiped, token, chatId, "after the loss [[tokens:5]]");
      const early = (await readLog(wiped.url, token, chatId)).nextOffset;
      // A restart on the same healthy tier keeps the incarnation: offsets of the new stream stay
      // valid although the lost stream's turns had higher offsets than the new stream has yet.
      await wiped.kill();
      wiped = await startApiProcess({ ...env, STREAMS_URL: wipedTier.url });
      expect(await tail(wiped, token, chatId, early)).toMatchObject({ status: 200 });
      // The same user writes to the new stream until it is LONGER than the stored offset:
      // without incarnations that offset would now silently skip the new events.
      const other = await createChat(wiped.url, token);
      await growPast(wiped, token, other, stored);
      expect(await tail(wiped, token, chatId, stored)).toMatchObject(refused);
      // From -1 the client gets exactly the new log: the one turn written after the loss.
      const { state, nextOffset } = await readLog(wiped.url, token, chatId);
      expect(state.messages.map((m) => [m.role, m.status])).toEqual([["user", "completed"], ["assistant", "completed"]]);
      expect(state.messages[0]?.text).toBe("after the loss [[tokens:5]]");
      storedAfterWipe = nextOffset;
    } finally {
      await wiped.kill();
    }

    // 2. A restored tier (object-store bootstrap) has the stream but not its acknowledged tail,
    // and will hand those offsets out again: detected at start, before anything is written.
    const restoredTier = await freshTier();
    await restoredTier.client().ensureStream(userStreamName({ id: userId, tenantId }));
    const restored = await startApiProcess({ ...env, STREAMS_URL: restoredTier.url });
    try {
      await growPast(restored, token, chatId, storedAfterWipe);
      expect(await tail(restored, token, chatId, storedAfterWipe)).toMatchObject(refused);
      const current = (await readLog(restored.url, token, chatId)).nextOffset;
      expect(await tail(restored, token, chatId, current)).toMatchObject({ status: 200 });
    } finally {
      await restored.kill();
    }
  }, 120_000);
});
