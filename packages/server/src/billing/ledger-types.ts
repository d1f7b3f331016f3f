/**
 * The credit ledger's contract (invariant 7: no overspend). Amounts are integer micro-USD
 * (`bigint`; 1 USD = 1,000,000 µUSD). Every change of an account is one append-only ledger
 * entry written in the same transaction as the account's new balance/reserved amounts.
 *
 * Implemented by ledger.ts; used by the turn path (reserve → settle), Stripe (credit/debit)
 * and the admin API.
 */

/** `"tenant"`: the tenant's own account; any other value: the end user's id. */
export type AccountOwner = string;
export const TENANT_ACCOUNT: AccountOwner = "tenant";

export interface AccountRef {
  tenantId: string;
  owner: AccountOwner;
}

export interface Balance {
  balanceMicroUsd: bigint;
  reservedMicroUsd: bigint;
  /** balance − reserved: what a new answer may still hold. May be negative after a refund. */
  availableMicroUsd: bigint;
}

export type EntryKind = "grant" | "topup" | "reservation" | "settlement" | "release" | "refund" | "adjustment";

export interface LedgerEntryRecord {
  id: string;
  tenantId: string;
  owner: AccountOwner;
  kind: EntryKind;
  /** Change of the balance (signed); 0 for reservations and releases. */
  amountMicroUsd: bigint;
  /** Change of the reserved amount (signed). */
  reservedDeltaMicroUsd: bigint;
  balanceAfterMicroUsd: bigint;
  generationId: string | null;
  externalRef: string | null;
  note: string | null;
  createdAt: Date;
}

export interface Ledger {
  /** An account's amounts; zeros for an account that has never been used. */
  balance(ref: AccountRef): Promise<Balance>;
  /**
   * Adds credit (a grant, or a paid top-up). Idempotent by `externalRef` per account and kind: a
   * repeat applies nothing and returns the first entry with `applied: false`.
   */
  credit(ref: AccountRef, kind: "grant" | "topup", amountMicroUsd: bigint, externalRef: string, note?: string): Promise<{ entry: LedgerEntryRecord; applied: boolean }>;
  /** Takes credit back (a refund, a dispute, a correction); the balance may go negative. Idempotent like `credit`. */
  debit(ref: AccountRef, kind: "refund" | "adjustment", amountMicroUsd: bigint, externalRef: string, note?: string): Promise<{ entry: LedgerEntryRecord; applied: boolean }>;
  /**
   * Holds `amountMicroUsd` on EVERY account in `refs` for one answer, all or none, atomically
   * (`available ≥ amount` checked and updated in one statement per account, in one transaction).
   * Throws `DomainError("insufficient_credits")` (402) naming which account is short.
   * Idempotent per generation: a repeat holds nothing more.
   */
  reserve(generationId: string, refs: readonly AccountRef[], amountMicroUsd: bigint): Promise<void>;
  /**
   * Ends the answer's hold on every account it reserved: spends `costMicroUsd` and releases the
   * rest. A cost over the reservation (the provider over-reported) is spent too, the excess as an
   * `adjustment` entry — the account may then go negative by at most that one turn. Idempotent:
   * a repeat changes nothing and returns the cost settled first (`applied: false`). Without a
   * reservation (billing was off when the answer started) nothing is recorded: `{ 0n, false }`.
   */
  settle(generationId: string, costMicroUsd: bigint): Promise<{ costMicroUsd: bigint; applied: boolean }>;
  /** Releases the answer's hold without spending (the turn never reached the model). Idempotent. */
  release(generationId: string): Promise<void>;
  /** Newest first. */
  entries(ref: AccountRef, page?: { limit?: number; cursor?: string }): Promise<{ entries: LedgerEntryRecord[]; nextCursor: string | null }>;
}
