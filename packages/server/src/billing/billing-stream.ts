/**
 * The billing stream: one durable JSON record per thing that happened to a tenant's money from
 * outside the turn path — every Stripe delivery (processed, duplicate, rejected with its reason,
 * ignored, failed) and every operator grant — so "did Stripe call us and what did we do" is one
 * stream read (admin `GET /v1/admin/tenants/:tenantId/billing/events`).
 *
 * Names: `oc.<tenantId>.billing` next to the tenant's users' `oc.<tenantId>.<userId>` (user ids
 * are server-generated and never `billing`); deliveries no tenant can be trusted with (a bad
 * signature, an unknown tenant) go to `oc._operator.billing` (a tenant id cannot contain `_`).
 */
import type { StreamsClient } from "../streams/client/types.js";

export const OPERATOR_BILLING_STREAM = "oc._operator.billing";

export function billingStreamName(tenantId: string | null): string {
  return tenantId === null ? OPERATOR_BILLING_STREAM : `oc.${tenantId}.billing`;
}

export type BillingOutcome = "processed" | "duplicate" | "rejected" | "ignored" | "failed";

export interface BillingRecord {
  /** When we handled it (ISO 8601). */
  at: string;
  source: "stripe" | "operator";
  outcome: BillingOutcome;
  /** Why it was rejected, ignored or failed; what a duplicate's first delivery came to. */
  reason?: string;
  /** The Stripe event (id, type, livemode) when the delivery could be read. */
  eventId?: string;
  type?: string;
  livemode?: boolean;
  tenantId: string | null;
  /** `"tenant"` or the end user's id, when the money belongs to an account. */
  owner?: string;
  /** The ledger change (signed µUSD) and whether it was applied now or earlier. */
  amountMicroUsd?: number;
  applied?: boolean;
  ledgerEntryId?: string;
  /** The Stripe object the ledger change refers to (session, charge, dispute) or the grant's reference. */
  externalRef?: string;
}

export interface BillingStream {
  append(record: Omit<BillingRecord, "at">): Promise<void>;
  /** The last `limit` records of a tenant's (or the operator's) stream, oldest first. */
  read(tenantId: string | null, limit: number): Promise<BillingRecord[]>;
}

export function createBillingStream(streams: Pick<StreamsClient, "ensureStream" | "append" | "read">, clock: () => Date): BillingStream {
  const ensured = new Map<string, Promise<unknown>>();
  function ensure(name: string): Promise<unknown> {
    let pending = ensured.get(name);
    if (!pending) {
      pending = streams.ensureStream(name);
      ensured.set(name, pending);
      // A failed PUT is tried again by the next append.
      pending.catch(() => ensured.delete(name));
    }
    return pending;
  }
  return {
    async append(record) {
      const name = billingStreamName(record.tenantId);
      await ensure(name);
      await streams.append(name, [{ at: clock().toISOString(), ...record }]);
    },
    async read(tenantId, limit) {
      const name = billingStreamName(tenantId);
      const last: BillingRecord[] = [];
      let offset = "-1";
      for (;;) {
        let page;
        try {
          page = await streams.read(name, { offset });
        } catch (error) {
          if ((error as { code?: string }).code === "stream_not_found") return [];
          throw error;
        }
        for (const record of page.records) {
          last.push(record as BillingRecord);
          if (last.length > limit) last.shift();
        }
        if (page.upToDate || page.records.length === 0 || page.nextOffset === offset) return last;
        offset = page.nextOffset;
      }
    },
  };
}
