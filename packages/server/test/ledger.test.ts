/**
 * The credit ledger on real Postgres: credits and debits idempotent by reference, reservations
 * all-or-none across accounts and never above what an account has (also under a concurrent
 * burst), settle/release idempotent, over-reported costs recorded as adjustments. Property tests
 * (fast-check) run random sequences of operations against a model and check the invariants
 * after every step.
 */
import { createTestDatabase, type TestDatabase } from "@open-chat/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../src/db/client.js";
import { applyMigrations } from "../src/db/migrate.js";
import { DomainError } from "../src/domain-error.js";
import { createLedger } from "../src/billing/ledger.js";
import type { AccountRef, Ledger } from "../src/billing/ledger-types.js";

let database: TestDatabase;
let db: Db;
let ledger: Ledger;
let seq = 0;
const fresh = (prefix: string) => `${prefix}${++seq}`;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: applyMigrations });
  db = createDb({ connectionString: database.url, max: 20 });
  ledger = createLedger(db.prisma);
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

/** Sum of an account's entries must equal its row: the ledger and the balance never disagree. */
async function expectConsistent(ref: AccountRef) {
  const account = await db.prisma.creditAccount.findUnique({ where: { tenantId_owner: { tenantId: ref.tenantId, owner: ref.owner } }, include: { entries: true } });
  if (!account) return;
  const balance = account.entries.reduce((s, e) => s + e.amountMicroUsd, 0n);
  const reserved = account.entries.reduce((s, e) => s + e.reservedDeltaMicroUsd, 0n);
  expect(account.balanceMicroUsd).toBe(balance);
  expect(account.reservedMicroUsd).toBe(reserved);
}

describe("ledger", () => {
  it("credits and debits once per reference, and reports zeros for an unused account", async () => {
    const ref = { tenantId: fresh("t"), owner: "tenant" };
    expect(await ledger.balance(ref)).toEqual({ balanceMicroUsd: 0n, reservedMicroUsd: 0n, availableMicroUsd: 0n });
    const first = await ledger.credit(ref, "topup", 5_000_000n, "cs_1");
    const again = await ledger.credit(ref, "topup", 5_000_000n, "cs_1");
    expect(first.applied).toBe(true);
    expect(again).toEqual({ entry: first.entry, applied: false });
    // Same reference under another kind is another change.
    expect((await ledger.credit(ref, "grant", 1n, "cs_1")).applied).toBe(true);
    const refund = await Promise.all(Array.from({ length: 10 }, () => ledger.debit(ref, "refund", 7_000_000n, "ch_1:7000000")));
    expect(refund.filter((r) => r.applied)).toHaveLength(1);
    expect(await ledger.balance(ref)).toEqual({ balanceMicroUsd: -1_999_999n, reservedMicroUsd: 0n, availableMicroUsd: -1_999_999n });
    await expectConsistent(ref);
  });

  it("reserves on every account or on none, and names the short one", async () => {
    const tenantId = fresh("t");
    const site = { tenantId, owner: "tenant" };
    const user = { tenantId, owner: "u1" };
    await ledger.credit(site, "grant", 1000n, "g");
    await ledger.credit(user, "grant", 100n, "g");
    const error = await ledger.reserve("gen-a", [site, user], 500n).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("insufficient_credits");
    expect((error as DomainError).message).toMatch(/your account/);
    expect((await ledger.balance(site)).reservedMicroUsd).toBe(0n);
    await ledger.reserve("gen-b", [site, user], 100n);
    await ledger.reserve("gen-b", [site, user], 100n); // a repeat holds nothing more
    expect((await ledger.balance(site)).reservedMicroUsd).toBe(100n);
    expect((await ledger.balance(user)).availableMicroUsd).toBe(0n);
    await ledger.settle("gen-b", 40n);
    expect(await ledger.balance(site)).toEqual({ balanceMicroUsd: 960n, reservedMicroUsd: 0n, availableMicroUsd: 960n });
    expect(await ledger.balance(user)).toEqual({ balanceMicroUsd: 60n, reservedMicroUsd: 0n, availableMicroUsd: 60n });
    await expectConsistent(site);
    await expectConsistent(user);
  });

  it("settles once: a repeat (or a release after it) changes nothing and returns the first cost", async () => {
    const ref = { tenantId: fresh("t"), owner: "tenant" };
    await ledger.credit(ref, "grant", 1000n, "g");
    await ledger.reserve("gen-1", [ref], 300n);
    const settles = [ledger.settle("gen-1", 120n), ledger.settle("gen-1", 999n), ledger.settle("gen-1", 5n)];
    await Promise.all([...settles, ledger.release("gen-1")]);
    // Exactly one of the four ends the hold: one settle (its cost spent), or the release (which
    // answers nothing; then no settle applied and nothing was spent).
    const applied = (await Promise.all(settles)).filter((r) => r.applied);
    expect(applied.length).toBeLessThanOrEqual(1);
    const balance = await ledger.balance(ref);
    expect(balance.reservedMicroUsd).toBe(0n);
    expect(1000n - balance.balanceMicroUsd).toBe(applied[0]?.costMicroUsd ?? 0n);
    const settledFirst = await ledger.settle("gen-1", 1n);
    expect(settledFirst.applied).toBe(false);
    expect(1000n - (await ledger.balance(ref)).balanceMicroUsd).toBe(settledFirst.costMicroUsd);
    await expectConsistent(ref);
  });

  it("records an over-reported cost as an adjustment: negative by at most one turn", async () => {
    const ref = { tenantId: fresh("t"), owner: "tenant" };
    await ledger.credit(ref, "grant", 100n, "g");
    await ledger.reserve("gen-over", [ref], 100n);
    expect(await ledger.settle("gen-over", 250n)).toEqual({ costMicroUsd: 250n, applied: true });
    expect(await ledger.balance(ref)).toEqual({ balanceMicroUsd: -150n, reservedMicroUsd: 0n, availableMicroUsd: -150n });
    const { entries } = await ledger.entries(ref);
    expect(entries.map((e) => [e.kind, e.amountMicroUsd])).toEqual(expect.arrayContaining([["settlement", -100n], ["adjustment", -150n]]));
    expect(await ledger.settle("gen-over", 250n)).toEqual({ costMicroUsd: 250n, applied: false });
    await expect(ledger.reserve("gen-next", [ref], 0n)).rejects.toMatchObject({ code: "insufficient_credits" });
  });

  it("settles nothing for an answer without a reservation (billing was off)", async () => {
    expect(await ledger.settle("never-reserved", 10n)).toEqual({ costMicroUsd: 0n, applied: false });
    await ledger.release("never-reserved");
  });

  it("pages entries newest first and refuses a cursor it did not hand out", async () => {
    const ref = { tenantId: fresh("t"), owner: "tenant" };
    for (let i = 0; i < 5; i++) await ledger.credit(ref, "grant", 1n, `g${i}`);
    const first = await ledger.entries(ref, { limit: 3 });
    expect(first.entries.map((e) => e.externalRef)).toEqual(["g4", "g3", "g2"]);
    const second = await ledger.entries(ref, { limit: 3, cursor: first.nextCursor! });
    expect(second.entries.map((e) => e.externalRef)).toEqual(["g1", "g0"]);
    expect(second.nextCursor).toBeNull();
    await expect(ledger.entries(ref, { cursor: "nope" })).rejects.toMatchObject({ code: "invalid_cursor" });
    await expect(ledger.entries(ref, { cursor: "x\u0000" })).rejects.toMatchObject({ code: "invalid_cursor" });
  });

  it("holds for exactly one of 100 concurrent answers when the credit covers exactly one", async () => {
    const tenantId = fresh("t");
    const site = { tenantId, owner: "tenant" };
    await ledger.credit(site, "grant", 1000n, "g");
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => ledger.reserve(`gen-c${i}`, [site], 1000n)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused).toHaveLength(99);
    for (const r of refused) expect(r.reason).toMatchObject({ code: "insufficient_credits" });
    expect(await ledger.balance(site)).toEqual({ balanceMicroUsd: 1000n, reservedMicroUsd: 1000n, availableMicroUsd: 0n });
  });

  it("property: random reserve/settle/release/credit/debit sequences keep the invariants", async () => {
    type Op =
      | { op: "credit"; amount: number }
      | { op: "debit"; amount: number }
      | { op: "reserve"; gen: number; amount: number; withUser: boolean }
      | { op: "settle"; gen: number; cost: number }
      | { op: "release"; gen: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant("credit" as const), amount: fc.integer({ min: 1, max: 5000 }) }),
      fc.record({ op: fc.constant("debit" as const), amount: fc.integer({ min: 1, max: 2000 }) }),
      fc.record({ op: fc.constant("reserve" as const), gen: fc.integer({ min: 0, max: 5 }), amount: fc.integer({ min: 0, max: 3000 }), withUser: fc.boolean() }),
      fc.record({ op: fc.constant("settle" as const), gen: fc.integer({ min: 0, max: 5 }), cost: fc.integer({ min: 0, max: 4000 }) }),
      fc.record({ op: fc.constant("release" as const), gen: fc.integer({ min: 0, max: 5 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const tenantId = fresh("p");
        const site = { tenantId, owner: "tenant" };
        const user = { tenantId, owner: "user" };
        // The model: what each account should hold; each generation's reservation and whether it ended.
        const model = new Map<string, { balance: bigint; reserved: bigint }>([["tenant", { balance: 0n, reserved: 0n }], ["user", { balance: 0n, reserved: 0n }]]);
        const gens = new Map<number, { amount: bigint; owners: string[]; ended: boolean }>();
        let ref = 0;
        for (const step of ops) {
          if (step.op === "credit" || step.op === "debit") {
            const amount = BigInt(step.amount);
            const r = ++ref;
            if (step.op === "credit") await ledger.credit(r % 2 ? site : user, "grant", amount, `r${r}`);
            else await ledger.debit(r % 2 ? site : user, "adjustment", amount, `r${r}`);
            model.get(r % 2 ? "tenant" : "user")!.balance += step.op === "credit" ? amount : -amount;
          } else if (step.op === "reserve") {
            const amount = BigInt(step.amount);
            const owners = step.withUser ? ["tenant", "user"] : ["tenant"];
            const fits = owners.every((o) => model.get(o)!.balance - model.get(o)!.reserved >= amount);
            const outcome = await ledger.reserve(`g${tenantId}-${step.gen}`, owners.map((o) => ({ tenantId, owner: o })), amount).then(
              () => "held",
              (e: unknown) => (e instanceof DomainError && e.code === "insufficient_credits" ? "short" : Promise.reject(e)),
            );
            if (gens.has(step.gen)) continue; // a repeat: nothing more held (checked by the amounts below)
            expect(outcome).toBe(fits ? "held" : "short");
            if (fits) {
              gens.set(step.gen, { amount, owners, ended: false });
              for (const o of owners) model.get(o)!.reserved += amount;
            }
          } else {
            const gen = gens.get(step.gen);
            const cost = step.op === "settle" ? BigInt(step.cost) : 0n;
            const result = step.op === "settle" ? await ledger.settle(`g${tenantId}-${step.gen}`, cost) : (await ledger.release(`g${tenantId}-${step.gen}`), null);
            if (!gen) {
              if (result) expect(result).toEqual({ costMicroUsd: 0n, applied: false });
              continue;
            }
            if (result) expect(result.applied).toBe(!gen.ended);
            if (!gen.ended) {
              for (const o of gen.owners) {
                model.get(o)!.reserved -= gen.amount;
                model.get(o)!.balance -= cost;
              }
              gen.ended = true;
            }
          }
          for (const [owner, expected] of model) {
            const actual = await ledger.balance({ tenantId, owner });
            expect(actual.balanceMicroUsd).toBe(expected.balance);
            expect(actual.reservedMicroUsd).toBe(expected.reserved);
            // Invariant: reservations never exceed what the account had when they were made,
            // so reserved ≥ 0 always and reserved ≤ balance unless a debit or an over-reported
            // cost came after (never because of a reservation).
            expect(actual.reservedMicroUsd >= 0n).toBe(true);
          }
        }
        await expectConsistent(site);
        await expectConsistent(user);
      }),
      { numRuns: 40, seed: 1_212 },
    );
  });

  it("property: a burst of concurrent reservations never holds more than the account has", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 10_000 }), fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 2, maxLength: 20 }), async (credit, amounts) => {
        const ref = { tenantId: fresh("b"), owner: "tenant" };
        if (credit > 0) await ledger.credit(ref, "grant", BigInt(credit), "g");
        const results = await Promise.allSettled(amounts.map((a, i) => ledger.reserve(`${ref.tenantId}-${i}`, [ref], BigInt(a))));
        const held = amounts.filter((_, i) => results[i]!.status === "fulfilled").reduce((s, a) => s + a, 0);
        const { reservedMicroUsd, balanceMicroUsd } = await ledger.balance(ref);
        expect(reservedMicroUsd).toBe(BigInt(held));
        expect(reservedMicroUsd <= balanceMicroUsd).toBe(true);
        // Every refusal was right: at the end, the smallest refused amount no longer fits.
        const refused = amounts.filter((_, i) => results[i]!.status === "rejected");
        if (refused.length > 0) expect(BigInt(Math.min(...refused)) > balanceMicroUsd - reservedMicroUsd).toBe(true);
        await expectConsistent(ref);
      }),
      { numRuns: 25, seed: 1_213 },
    );
  });
});
