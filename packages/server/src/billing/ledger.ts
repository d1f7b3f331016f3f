/**
 * The credit ledger on Postgres (contract: ledger-types.ts). Every change is one transaction that
 * locks the account rows it touches (`SELECT … FOR UPDATE`, in id order so two transactions
 * over the same accounts never deadlock), checks idempotency under that lock, updates the
 * account's amounts and appends the entry. A reservation is additionally a conditional update
 * (`WHERE balance − reserved ≥ amount`), so no interleaving can hold more than an account has.
 * The unique indexes (account, kind, generation) and (account, kind, external ref) are the
 * last word on idempotency.
 */
import type { LedgerEntry, PrismaClient } from "../generated/prisma/client.js";
import { prismaSql, type Sql } from "../db/sql.js";
import { DomainError } from "../domain-error.js";
import { newId, isWellFormedId } from "../ids.js";
import type { AccountRef, Balance, EntryKind, Ledger, LedgerEntryRecord } from "./ledger-types.js";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

interface AccountRow {
  id: string;
  tenantId: string;
  owner: string;
  balanceMicroUsd: bigint;
  reservedMicroUsd: bigint;
}

/**
 * Interactive transactions wait for row locks held by concurrent answers of the same account
 * (a burst of sends serialises on the tenant's row): generous bounds, each transaction is short.
 */
const TX_OPTIONS = { maxWait: 30_000, timeout: 30_000 } as const;

const MAX_PAGE = 200;

/** `sql` runs the one lookup every answer's end makes (db/sql.ts); default: through `prisma`. */
export function createLedger(prisma: PrismaClient, clock: () => Date = () => new Date(), sql: Sql = prismaSql(prisma)): Ledger {
  /** The account's id, creating the row (zero amounts) on first use. Outside any transaction. */
  async function accountId(ref: AccountRef): Promise<string> {
    const found = await prisma.creditAccount.findUnique({ where: { tenantId_owner: { tenantId: ref.tenantId, owner: ref.owner } }, select: { id: true } });
    if (found) return found.id;
    const id = newId("acct");
    const now = clock();
    await prisma.$executeRaw`INSERT INTO credit_account (id, "tenantId", owner, "balanceMicroUsd", "reservedMicroUsd", "createdAt", "updatedAt")
      VALUES (${id}, ${ref.tenantId}, ${ref.owner}, 0, 0, ${now}, ${now}) ON CONFLICT ("tenantId", owner) DO NOTHING`;
    const row = await prisma.creditAccount.findUniqueOrThrow({ where: { tenantId_owner: { tenantId: ref.tenantId, owner: ref.owner } }, select: { id: true } });
    return row.id;
  }

  async function lock(tx: Tx, ids: readonly string[]): Promise<Map<string, AccountRow>> {
    const sorted = [...new Set(ids)].sort();
    const rows = new Map<string, AccountRow>();
    // One statement per row, in id order: the lock order is the same in every transaction.
    for (const id of sorted) {
      const [row] = await tx.$queryRaw<AccountRow[]>`SELECT id, "tenantId", owner, "balanceMicroUsd", "reservedMicroUsd" FROM credit_account WHERE id = ${id} FOR UPDATE`;
      if (!row) throw new Error(`credit account ${id} vanished`);
      rows.set(id, row);
    }
    return rows;
  }

  async function append(
    tx: Tx,
    account: AccountRow,
    kind: EntryKind,
    amount: bigint,
    reservedDelta: bigint,
    refs: { generationId?: string; externalRef?: string; note?: string },
  ): Promise<LedgerEntry> {
    const balance = account.balanceMicroUsd + amount;
    const reserved = account.reservedMicroUsd + reservedDelta;
    const now = clock();
    await tx.$executeRaw`UPDATE credit_account SET "balanceMicroUsd" = ${balance}, "reservedMicroUsd" = ${reserved}, "updatedAt" = ${now} WHERE id = ${account.id}`;
    account.balanceMicroUsd = balance;
    account.reservedMicroUsd = reserved;
    return tx.ledgerEntry.create({
      data: {
        id: newId("le"),
        accountId: account.id,
        kind,
        amountMicroUsd: amount,
        reservedDeltaMicroUsd: reservedDelta,
        balanceAfterMicroUsd: balance,
        generationId: refs.generationId ?? null,
        externalRef: refs.externalRef ?? null,
        note: refs.note ?? null,
        createdAt: now,
      },
    });
  }

  function record(entry: LedgerEntry, account: { tenantId: string; owner: string }): LedgerEntryRecord {
    return {
      id: entry.id,
      tenantId: account.tenantId,
      owner: account.owner,
      kind: entry.kind as EntryKind,
      amountMicroUsd: entry.amountMicroUsd,
      reservedDeltaMicroUsd: entry.reservedDeltaMicroUsd,
      balanceAfterMicroUsd: entry.balanceAfterMicroUsd,
      generationId: entry.generationId,
      externalRef: entry.externalRef,
      note: entry.note,
      createdAt: entry.createdAt,
    };
  }

  async function change(ref: AccountRef, kind: EntryKind, amount: bigint, externalRef: string, note: string | undefined) {
    if (!externalRef) throw new Error("ledger: an external reference is required");
    const id = await accountId(ref);
    return prisma.$transaction(async (tx) => {
      const account = (await lock(tx, [id])).get(id)!;
      const existing = await tx.ledgerEntry.findUnique({ where: { accountId_kind_externalRef: { accountId: id, kind, externalRef } } });
      if (existing) return { entry: record(existing, account), applied: false };
      const entry = await append(tx, account, kind, amount, 0n, { externalRef, note });
      return { entry: record(entry, account), applied: true };
    }, TX_OPTIONS);
  }

  /** The accounts an answer reserved on, and how much on each. */
  async function holds(tx: Tx, generationId: string) {
    return tx.ledgerEntry.findMany({ where: { generationId, kind: "reservation" }, select: { accountId: true, reservedDeltaMicroUsd: true } });
  }

  /** Ends the answer's hold: `cost` null releases without spending. */
  async function end(generationId: string, cost: bigint | null): Promise<{ costMicroUsd: bigint; applied: boolean }> {
    if (cost !== null && cost < 0n) throw new Error("ledger: a cost cannot be negative");
    // Every answer ends here, most with no hold (billing off): one plain statement to learn that.
    const reservations = await sql.rows<{ accountId: string }>(`SELECT "accountId" FROM "ledger_entry" WHERE "generationId" = $1 AND "kind" = 'reservation'`, [generationId]);
    if (reservations.length === 0) return { costMicroUsd: 0n, applied: false };
    return prisma.$transaction(async (tx) => {
      const accounts = await lock(tx, reservations.map((r) => r.accountId));
      const ended = await tx.ledgerEntry.findMany({ where: { generationId, kind: { in: ["settlement", "release", "adjustment"] } }, select: { accountId: true, kind: true, amountMicroUsd: true } });
      if (ended.some((e) => e.kind === "settlement" || e.kind === "release")) {
        const first = ended.find((e) => e.kind === "settlement" || e.kind === "release")!.accountId;
        const spent = ended.filter((e) => e.accountId === first).reduce((sum, e) => sum - e.amountMicroUsd, 0n);
        return { costMicroUsd: spent, applied: false };
      }
      for (const hold of await holds(tx, generationId)) {
        const account = accounts.get(hold.accountId)!;
        const held = hold.reservedDeltaMicroUsd;
        if (cost === null) {
          await append(tx, account, "release", 0n, -held, { generationId });
          continue;
        }
        const within = cost < held ? cost : held;
        await append(tx, account, "settlement", -within, -held, { generationId });
        // The provider reported more than the reservation allowed for: spent all the same,
        // recorded as an adjustment; the account may go negative by at most this one turn.
        if (cost > held) await append(tx, account, "adjustment", -(cost - held), 0n, { generationId, note: "cost over the reservation" });
      }
      return { costMicroUsd: cost ?? 0n, applied: true };
    }, TX_OPTIONS);
  }

  return {
    async balance(ref) {
      const row = await prisma.creditAccount.findUnique({ where: { tenantId_owner: { tenantId: ref.tenantId, owner: ref.owner } } });
      return toBalance(row?.balanceMicroUsd ?? 0n, row?.reservedMicroUsd ?? 0n);
    },

    credit(ref, kind, amount, externalRef, note) {
      if (amount <= 0n) throw new Error("ledger: a credit must be positive");
      return change(ref, kind, amount, externalRef, note);
    },

    debit(ref, kind, amount, externalRef, note) {
      if (amount <= 0n) throw new Error("ledger: a debit must be positive");
      return change(ref, kind, -amount, externalRef, note);
    },

    async reserve(generationId, refs, amount) {
      if (amount < 0n) throw new Error("ledger: a reservation cannot be negative");
      if (refs.length === 0) return;
      const ids = await Promise.all(refs.map((ref) => accountId(ref)));
      await prisma.$transaction(async (tx) => {
        const accounts = await lock(tx, ids);
        const already = await tx.ledgerEntry.count({ where: { generationId, kind: "reservation" } });
        if (already > 0) return;
        for (const account of accounts.values()) {
          // The lock makes this the only writer; the condition restates the invariant in SQL.
          const held = await tx.$executeRaw`UPDATE credit_account SET "reservedMicroUsd" = "reservedMicroUsd" + ${amount}
            WHERE id = ${account.id} AND "balanceMicroUsd" - "reservedMicroUsd" >= ${amount}`;
          if (held !== 1) {
            const who = account.owner === "tenant" ? "the site's account" : "your account";
            throw new DomainError("insufficient_credits", `Not enough credits: ${who} cannot cover this answer.`);
          }
          account.reservedMicroUsd += amount;
          await tx.ledgerEntry.create({
            data: { id: newId("le"), accountId: account.id, kind: "reservation", amountMicroUsd: 0n, reservedDeltaMicroUsd: amount, balanceAfterMicroUsd: account.balanceMicroUsd, generationId, createdAt: clock() },
          });
        }
      }, TX_OPTIONS);
    },

    settle(generationId, cost) {
      return end(generationId, cost);
    },

    async release(generationId) {
      await end(generationId, null);
    },

    async entries(ref, page = {}) {
      const limit = Math.min(Math.max(page.limit ?? 50, 1), MAX_PAGE);
      if (page.cursor !== undefined && !isWellFormedId(page.cursor)) throw new DomainError("invalid_cursor", "Unknown cursor.");
      const account = await prisma.creditAccount.findUnique({ where: { tenantId_owner: { tenantId: ref.tenantId, owner: ref.owner } } });
      if (!account) return { entries: [], nextCursor: null };
      if (page.cursor !== undefined) {
        const at = await prisma.ledgerEntry.findFirst({ where: { id: page.cursor, accountId: account.id }, select: { id: true } });
        if (!at) throw new DomainError("invalid_cursor", "Unknown cursor.");
      }
      const rows = await prisma.ledgerEntry.findMany({
        where: { accountId: account.id },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit + 1,
        ...(page.cursor !== undefined ? { cursor: { id: page.cursor }, skip: 1 } : {}),
      });
      const more = rows.length > limit;
      const entries = rows.slice(0, limit).map((row) => record(row, account));
      return { entries, nextCursor: more ? entries[entries.length - 1]!.id : null };
    },
  };
}

export function toBalance(balance: bigint, reserved: bigint): Balance {
  return { balanceMicroUsd: balance, reservedMicroUsd: reserved, availableMicroUsd: balance - reserved };
}
