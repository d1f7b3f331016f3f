/**
 * The sessions behind live tails, checked together (src/auth/live-sessions.ts), on real
 * Postgres: a deleted, expired or re-assigned session ends exactly its tails, one query checks
 * them all, and the timer runs only while something is watched.
 */
import { describe, expect, it } from "vitest";
import { createLiveSessions } from "../src/auth/live-sessions.js";
import { poolSql, type Sql } from "../src/db/sql.js";
import { useMigratedDb } from "./helpers/database.js";

const pg = useMigratedDb({ max: 4 });

const NOW = new Date("2026-06-01T00:00:00Z");
const later = (ms: number) => new Date(NOW.getTime() + ms);

async function session(userId: string, token: string, expiresAt = later(60_000)) {
  await pg.db.prisma.user.upsert({ where: { id: userId }, create: { id: userId, name: userId, email: `${userId}@example.test` }, update: {} });
  await pg.db.prisma.session.create({ data: { id: `s-${token}`, token, userId, expiresAt } });
  return { token, userId };
}

describe("createLiveSessions", () => {
  it("ends exactly the tails whose session was deleted, expired or belongs to another user", async () => {
    let clock = NOW;
    const live = createLiveSessions({ sql: poolSql(pg.db.pool), intervalMs: 60_000, clock: () => clock });
    const kept = await session("u-keep", "t-keep");
    const signedOut = await session("u-out", "t-out");
    const expiring = await session("u-exp", "t-exp", later(1_000));
    await session("u-other", "t-other");
    const ended: string[] = [];
    const stops = [
      live.watch(kept, () => ended.push("kept")),
      live.watch(kept, () => ended.push("kept, second tab")),
      live.watch(signedOut, () => ended.push("signed out")),
      live.watch(expiring, () => ended.push("expired")),
      live.watch({ token: "t-other", userId: "u-keep" }, () => ended.push("another user's session")),
      live.watch({ token: "t-never", userId: "u-keep" }, () => ended.push("unknown token")),
    ];
    await live.check();
    expect(ended).toEqual(["another user's session", "unknown token"]);

    await pg.db.prisma.session.delete({ where: { token: "t-out" } });
    clock = later(1_000);
    await live.check();
    expect(ended.slice(2).sort()).toEqual(["expired", "signed out"]);
    expect(live.size).toBe(2);

    // Ended tails are not asked about again; a stopped watch never fires.
    stops[0]!();
    await pg.db.prisma.session.delete({ where: { token: "t-keep" } });
    await live.check();
    expect(ended.slice(4)).toEqual(["kept, second tab"]);
    expect(live.size).toBe(0);
    for (const stop of stops) stop(); // idempotent
  });

  it("checks thousands of tails in one pass", async () => {
    const live = createLiveSessions({ sql: poolSql(pg.db.pool), intervalMs: 60_000, clock: () => NOW });
    const users = Array.from({ length: 60 }, (_, i) => ({ id: `bulk-${i}`, name: "g", email: `bulk-${i}@example.test` }));
    await pg.db.prisma.user.createMany({ data: users });
    const tokens = Array.from({ length: 6_000 }, (_, i) => `bulk-t-${i}`);
    await pg.db.prisma.session.createMany({ data: tokens.map((token, i) => ({ id: `s-${token}`, token, userId: `bulk-${i % 60}`, expiresAt: later(60_000) })) });
    let ended = 0;
    const stops = tokens.map((token, i) => live.watch({ token, userId: `bulk-${i % 60}` }, () => ended++));
    await pg.db.prisma.session.deleteMany({ where: { token: { in: tokens.filter((_, i) => i % 1_000 === 0) } } });
    await live.check();
    expect(ended).toBe(6);
    expect(live.size).toBe(5_994);
    stops.forEach((stop) => stop());
  });

  it("matches tokens and users whatever characters they hold (they travel as array parameters)", async () => {
    const live = createLiveSessions({ sql: poolSql(pg.db.pool), intervalMs: 60_000, clock: () => NOW });
    const odd = ['a,b', 'q"uote', "{brace}", "back\\slash", "NULL", "sp ace", "ünï"];
    for (const token of odd) await session(`u-${token}`, token);
    const ended: string[] = [];
    for (const token of odd) live.watch({ token, userId: `u-${token}` }, () => ended.push(token));
    await live.check();
    expect(ended).toEqual([]);
    await pg.db.prisma.session.delete({ where: { token: 'q"uote' } });
    await pg.db.prisma.session.delete({ where: { token: "NULL" } });
    await live.check();
    expect(ended.sort()).toEqual(["NULL", 'q"uote']);
    expect(live.size).toBe(odd.length - 2);
  });

  it("revoke ends at once the tails of one session, or of every session of a user", () => {
    const live = createLiveSessions({ sql: poolSql(pg.db.pool), intervalMs: 60_000 });
    const ended: string[] = [];
    live.watch({ token: "a1", userId: "ua" }, () => ended.push("a1"));
    live.watch({ token: "a2", userId: "ua" }, () => ended.push("a2"));
    const stopB = live.watch({ token: "b1", userId: "ub" }, () => ended.push("b1"));
    live.revoke({ token: "a1" });
    expect(ended).toEqual(["a1"]);
    live.revoke({ userId: "ua" });
    expect(ended).toEqual(["a1", "a2"]);
    expect(live.size).toBe(1);
    stopB();
  });

  it("keeps its tails when the database fails, and decides at the next check", async () => {
    const failing: Sql = { rows: () => Promise.reject(new Error("connection lost")), count: () => Promise.reject(new Error("connection lost")) };
    const live = createLiveSessions({ sql: failing, intervalMs: 60_000 });
    let ended = false;
    const stop = live.watch({ token: "t", userId: "u" }, () => (ended = true));
    await expect(live.check()).rejects.toThrow("connection lost");
    expect(ended).toBe(false);
    expect(live.size).toBe(1);
    stop();
  });

  it("a session watched after a check is asked about at the next one", async () => {
    const live = createLiveSessions({ sql: poolSql(pg.db.pool), intervalMs: 60_000, clock: () => NOW });
    const first = await session("u-first", "t-first");
    const ended: string[] = [];
    live.watch(first, () => ended.push("first"));
    await live.check();
    live.watch({ token: "t-late-unknown", userId: "u-first" }, () => ended.push("late"));
    await live.check();
    expect(ended).toEqual(["late"]);
    expect(live.size).toBe(1);
  });

  it("sends the same parameters while the watched sessions stay the same, and drops a session no tail watches", async () => {
    const sent: unknown[][] = [];
    const recording: Sql = {
      rows: <R>(_text: string, values: readonly unknown[]) => {
        sent.push([...values]);
        return Promise.resolve([] as R[]);
      },
      count: () => Promise.resolve(0),
    };
    const live = createLiveSessions({ sql: recording, intervalMs: 60_000, clock: () => NOW });
    const stopA = live.watch({ token: "a", userId: "ua" }, () => undefined);
    const stopA2 = live.watch({ token: "a", userId: "ua" }, () => undefined);
    const stopB = live.watch({ token: "b", userId: "ub" }, () => undefined);
    await live.check();
    await live.check();
    expect(sent[0]!.slice(0, 2)).toEqual(['{"a","b"}', '{"ua","ub"}']);
    // Built once: the very same strings went out twice.
    expect(sent[1]![0]).toBe(sent[0]![0]);
    stopA();
    await live.check();
    expect(sent[2]!.slice(0, 2)).toEqual(['{"a","b"}', '{"ua","ub"}']);
    stopA2();
    await live.check();
    expect(sent[3]!.slice(0, 2)).toEqual(['{"b"}', '{"ub"}']);
    stopB();
  });
});
