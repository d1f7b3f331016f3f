/**
 * Generation leases on real Postgres: compare-and-set takeover (exactly one winner), fencing of
 * the old holder's renewals, durable stop requests and their delivery by LISTEN/NOTIFY. Time is
 * an injected clock, so "expired" never depends on how fast the machine is.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { useMigratedDb } from "./helpers/database.js";
import { startLeaseKeeper } from "../src/leases/lease-keeper.js";
import { createLeaseStore, type ExpiredLease, type LeaseRef } from "../src/leases/lease-store.js";
import { SQL_RUNNERS } from "./helpers/sql-runners.js";
import { createPgStopBus } from "../src/leases/stop-bus.js";
import { startLeaseSweeper } from "../src/leases/sweeper.js";

let now = new Date("2026-01-01T00:00:00Z");
const clock = () => now;
const advance = (ms: number) => (now = new Date(now.getTime() + ms));

const pg = useMigratedDb({ seed: (db) => db.prisma.user.create({ data: { id: "u1", name: "u1", email: "u1@example.test", tenantId: "default" } }) });

let chatSeq = 0;
/** A chat whose generation `gen` is held by `holder` until now + leaseMs. */
async function runningChat(holder: string, leaseMs = 10_000): Promise<LeaseRef> {
  const id = `chat-${++chatSeq}`;
  await pg.db.prisma.chat.create({
    data: { id, tenantId: "default", userId: "u1", activeGenerationId: `gen-${id}`, leaseHolder: holder, leaseExpiresAt: new Date(now.getTime() + leaseMs) },
  });
  return { chatId: id, generationId: `gen-${id}`, epoch: 0 };
}

beforeEach(async () => {
  await pg.db.prisma.chat.deleteMany({});
});

describe.each(SQL_RUNNERS)("lease store, its hot statements through %s", (_, sqlOf) => {
  it("lets exactly one of many racing takers win an expired lease, and moves the epoch by one", async () => {
    const store = createLeaseStore(pg.db.prisma, clock, sqlOf(pg.db));
    const lease = await runningChat("dead");
    expect(await store.takeOver(lease, "b", 10_000)).toBeNull(); // not expired yet
    advance(10_001);

    const results = await Promise.all(["b", "c", "d", "e"].map((holder) => store.takeOver(lease, holder, 10_000)));
    const winners = results.filter((r) => r !== null);
    expect(winners).toEqual([{ ...lease, epoch: 1 }]);
    const row = await pg.db.prisma.chat.findUniqueOrThrow({ where: { id: lease.chatId } });
    expect(row.generationEpoch).toBe(1);
    expect(["b", "c", "d", "e"]).toContain(row.leaseHolder);
  });

  it("renews only what a holder still holds: a fenced holder's lease does not come back", async () => {
    const store = createLeaseStore(pg.db.prisma, clock, sqlOf(pg.db));
    const mine = await runningChat("a");
    const lost = await runningChat("a");
    await runningChat("other");
    advance(10_001);
    await store.takeOver(lost, "b", 10_000);

    const held = await store.renewHeld("a", 10_000, [mine.generationId, lost.generationId]);
    expect(held.map((h) => h.chatId)).toEqual([mine.chatId]);
    expect(held[0]).toMatchObject({ generationId: mine.generationId, epoch: 0, stopRequestedBy: null });
    // Releasing at a stale epoch changes nothing.
    await store.release(lost);
    expect(await store.expiresAt(lost.chatId)).not.toBeNull();
  });

  it("renews only the generations the process runs: a dead run's lease under a reused holder id lapses", async () => {
    const store = createLeaseStore(pg.db.prisma, clock, sqlOf(pg.db));
    const orphan = await runningChat("fixed-id"); // the process that held it was killed
    const running = await runningChat("fixed-id"); // the restarted process, same HOLDER_ID
    advance(5_000);
    const held = await store.renewHeld("fixed-id", 10_000, [running.generationId]);
    expect(held.map((h) => h.chatId)).toEqual([running.chatId]);
    advance(5_001);
    expect((await store.findExpired(10)).map((e) => e.chatId)).toEqual([orphan.chatId]);
  });

  it("records a stop durably, says whether the holder is gone, and clears it on release", async () => {
    const store = createLeaseStore(pg.db.prisma, clock, sqlOf(pg.db));
    const live = await runningChat("a");
    expect(await store.requestStop(live.chatId, "user")).toMatchObject({ ...live, holder: "a", expired: false });
    expect(await store.requestStop(live.chatId, "system")).toMatchObject({ expired: false }); // idempotent: first stopper kept
    expect((await store.renewHeld("a", 10_000, [live.generationId]))[0]?.stopRequestedBy).toBe("user");

    advance(20_000);
    expect(await store.requestStop(live.chatId, "user")).toMatchObject({ expired: true });
    const [expired] = await store.findExpired(10);
    expect(expired).toMatchObject({ chatId: live.chatId, stopRequestedBy: "user", closeWithError: null, deleted: false });

    await store.release(live);
    expect(await store.requestStop(live.chatId, "user")).toBeNull();
    expect(await store.expiresAt(live.chatId)).toBeNull();
  });

  it("lapses a lease at once for the next taker, and never one it no longer holds", async () => {
    const store = createLeaseStore(pg.db.prisma, clock, sqlOf(pg.db));
    const lease = await runningChat("a");
    expect(await store.findExpired(10)).toEqual([]);
    await store.lapse(lease);
    expect((await store.findExpired(10)).map((l) => l.chatId)).toEqual([lease.chatId]);
    expect(await store.takeOver(lease, "b", 10_000)).toEqual({ ...lease, epoch: 1 });
    // The old epoch's lapse leaves the taker's lease alone (fenced, like its release).
    await store.lapse(lease);
    expect(await store.findExpired(10)).toEqual([]);
  });

  it("carries a close-with-error verdict to the next taker", async () => {
    const store = createLeaseStore(pg.db.prisma, clock, sqlOf(pg.db));
    const lease = await runningChat("a");
    await store.closeWithError(lease, "streams_unavailable");
    advance(10_001);
    expect((await store.findExpired(10))[0]?.closeWithError).toBe("streams_unavailable");
  });
});

describe("lease keeper", () => {
  it("aborts a generation whose lease was taken over and passes on a recorded stop", async () => {
    const store = createLeaseStore(pg.db.prisma, clock);
    const kept = await runningChat("a");
    const stolen = await runningChat("a");
    const stopped = await runningChat("a");
    advance(10_001);
    await store.takeOver(stolen, "b", 10_000);
    await store.requestStop(stopped.chatId, "user");

    const lost: string[] = [];
    const stops: string[] = [];
    const keeper = startLeaseKeeper({
      store,
      holder: "a",
      leaseMs: 10_000,
      intervalMs: 60_000,
      running: () => [kept, stolen, stopped],
      onLost: (lease, reason) => lost.push(`${lease.chatId}:${reason}`),
      onStopRequested: (lease, by) => stops.push(`${lease.chatId}:${by}`),
    });
    await keeper.renew();
    keeper.stop();
    expect(lost).toEqual([`${stolen.chatId}:taken_over`]);
    expect(stops).toEqual([`${stopped.chatId}:user`]);
    expect((await store.findExpired(10)).map((l) => l.chatId)).toEqual([]); // kept and stopped renewed
  });

  it("aborts every local generation when the renewal itself fails", async () => {
    const lease = await runningChat("a");
    const lost: string[] = [];
    const keeper = startLeaseKeeper({
      store: { renewHeld: () => Promise.reject(new Error("database down")) },
      holder: "a",
      leaseMs: 10_000,
      intervalMs: 60_000,
      running: () => [lease],
      onLost: (l, reason) => lost.push(`${l.chatId}:${reason}`),
      onStopRequested: () => undefined,
    });
    await keeper.renew();
    keeper.stop();
    expect(lost).toEqual([`${lease.chatId}:renewal_failed`]);
  });
});

describe("lease sweeper", () => {
  it("two sweepers racing over the same expired leases take each exactly once", async () => {
    const store = createLeaseStore(pg.db.prisma, clock);
    const leases = await Promise.all(Array.from({ length: 8 }, () => runningChat("dead")));
    advance(10_001);
    const taken: Array<ExpiredLease & { by: string }> = [];
    const sweepers = ["b", "c"].map((holder) =>
      startLeaseSweeper({ store, holder, leaseMs: 10_000, intervalMs: 60_000, onTakeover: async (lease) => void taken.push({ ...lease, by: holder }) }),
    );
    // Each sweeper passes once at start-up; sweep() queues behind that pass and finds nothing left.
    const later = await Promise.all(sweepers.map((s) => s.sweep()));
    await Promise.all(sweepers.map((s) => s.stop()));

    expect(later).toEqual([0, 0]);
    expect(taken).toHaveLength(8);
    expect(taken.map((t) => t.chatId).sort()).toEqual(leases.map((l) => l.chatId).sort());
    expect(taken.every((t) => t.epoch === 1)).toBe(true);
  });
});

describe("stop bus (LISTEN/NOTIFY)", () => {
  it("delivers a stop published by one process to every other one", async () => {
    const buses = [0, 1].map(() => createPgStopBus({ connectionString: pg.url, pool: pg.db.pool }));
    await Promise.all(buses.map((bus) => bus.ready));
    const received = new Promise<string>((resolve) => buses[1]!.subscribe(resolve));
    await buses[0]!.publish("chat-42");
    expect(await received).toBe("chat-42");
    await Promise.all(buses.map((bus) => bus.close()));
  });
});
