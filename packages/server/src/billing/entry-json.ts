/** A ledger entry as the admin API and the CLI print it: µUSD as safe-integer numbers, ISO dates. */
import type { LedgerEntryRecord } from "./ledger-types.js";

export function entryJson(entry: LedgerEntryRecord) {
  return {
    id: entry.id,
    owner: entry.owner,
    kind: entry.kind,
    amountMicroUsd: Number(entry.amountMicroUsd),
    reservedDeltaMicroUsd: Number(entry.reservedDeltaMicroUsd),
    balanceAfterMicroUsd: Number(entry.balanceAfterMicroUsd),
    generationId: entry.generationId,
    externalRef: entry.externalRef,
    note: entry.note,
    createdAt: entry.createdAt.toISOString(),
  };
}
