/**
 * A retried send whose first attempt left a turn without an offset takes the chat's lease again
 * only when nobody is on it (real Postgres, injected clock): never under a live attempt of the
 * same send (two copies racing in one process used to both start the answer), never once the
 * turn has its offset (the send completed: its answer must not start again), and after a lapsed
 * lease or a released one.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createChatRepository } from "../src/chats/repository.js";
import { useMigratedDb } from "./helpers/database.js";
import { SQL_RUNNERS } from "./helpers/sql-runners.js";

let now = new Date("2026-01-01T00:00:00Z");
const clock = () => now;
const user = { id: "u1", tenantId: "default" };

const pg = useMigratedDb({ seed: (db) => pg.db.prisma.user.create({ data: { id: "u1", name: "u1", email: "u1@example.test", tenantId: "default" } }) });
beforeEach(async () => {
  await pg.db.prisma.chat.deleteMany({});
  now = new Date("2026-01-01T00:00:00Z");
});

describe.each(SQL_RUNNERS)("through %s", (_, sqlOf) => {
  async function startedTurn() {
    await pg.db.prisma.chat.create({ data: { id: "c1", tenantId: user.tenantId, userId: user.id } });
    const chats = createChatRepository(pg.db.prisma, clock, sqlOf(pg.db));
    const turn = await chats.startTurn({ chatId: "c1", clientMessageId: "m", userMessageId: "u", assistantMessageId: "a", holder: "first", leaseMs: 10_000, model: "x" });
    return { chats, turn };
  }

  it("not while the first attempt's lease is live; after it lapses, yes", async () => {
    const { chats } = await startedTurn();
    expect(await chats.retakeLease("c1", "m", "a", "second", 10_000)).toBe(false);
    now = new Date(now.getTime() + 10_001);
    expect(await chats.retakeLease("c1", "m", "a", "second", 10_000)).toBe(true);
    const row = await pg.db.prisma.chat.findUniqueOrThrow({ where: { id: "c1" } });
    expect([row.leaseHolder, row.generationEpoch]).toEqual(["second", 0]);
  });

  it("after the first attempt released the lease (its append failed), yes", async () => {
    const { chats } = await startedTurn();
    await pg.db.prisma.chat.update({ where: { id: "c1" }, data: { activeGenerationId: null, leaseHolder: null, leaseExpiresAt: null } });
    expect(await chats.retakeLease("c1", "m", "a", "first", 10_000)).toBe(true);
  });

  it("never once the turn has its offset: the send completed and its answer ran (or runs)", async () => {
    const { chats } = await startedTurn();
    await chats.setTurnOffset("c1", "m", "0000_0001");
    await pg.db.prisma.chat.update({ where: { id: "c1" }, data: { activeGenerationId: null, leaseHolder: null, leaseExpiresAt: null } });
    expect(await chats.retakeLease("c1", "m", "a", "first", 10_000)).toBe(false);
  });

  it("not while another answer holds the chat", async () => {
    const { chats } = await startedTurn();
    await pg.db.prisma.chat.update({ where: { id: "c1" }, data: { activeGenerationId: "other" } });
    now = new Date(now.getTime() + 60_000);
    expect(await chats.retakeLease("c1", "m", "a", "second", 10_000)).toBe(false);
  });
});
