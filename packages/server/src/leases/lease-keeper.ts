/**
 * Keeps this process's leases alive: one renewal statement per interval for every answer the
 * process generates. A generation whose lease did not come back (another process took it over,
 * or the renewal itself failed) is aborted at once — its appends would be fenced by the
 * streams tier anyway, and a stale holder must not keep calling the model. A stop recorded in
 * the row reaches the holder here even if its notification was lost.
 */
import type { LeaseRef, LeaseStore } from "./lease-store.js";

export interface LeaseKeeperOptions {
  store: Pick<LeaseStore, "renewHeld">;
  holder: string;
  leaseMs: number;
  /** Between renewals; a third of the lease leaves two chances before it lapses. */
  intervalMs: number;
  /** The generations running here now. */
  running(): Iterable<LeaseRef>;
  /** The lease of this generation is gone: abort it without writing anything. */
  onLost(lease: LeaseRef, reason: "taken_over" | "renewal_failed"): void;
  /** A stop was recorded for this generation. */
  onStopRequested(lease: LeaseRef, by: "user" | "system"): void;
}

export interface LeaseKeeper {
  /** One renewal now (tests call it instead of waiting for the interval). */
  renew(): Promise<void>;
  stop(): void;
}

export function startLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  const { store, holder, leaseMs } = options;
  const keyOf = (lease: LeaseRef) => `${lease.chatId}\u0000${lease.generationId}\u0000${lease.epoch}`;
  let inFlight: Promise<void> | undefined;

  async function renewOnce(): Promise<void> {
    const local = [...options.running()];
    if (local.length === 0) return;
    let held;
    try {
      held = await store.renewHeld(holder, leaseMs, local.map((lease) => lease.generationId));
    } catch {
      for (const lease of local) options.onLost(lease, "renewal_failed");
      return;
    }
    const byKey = new Map(held.map((row) => [keyOf(row), row]));
    for (const lease of local) {
      const row = byKey.get(keyOf(lease));
      if (!row) options.onLost(lease, "taken_over");
      else if (row.stopRequestedBy) options.onStopRequested(lease, row.stopRequestedBy);
    }
  }

  function renew(): Promise<void> {
    inFlight ??= renewOnce().finally(() => (inFlight = undefined));
    return inFlight;
  }

  const timer = setInterval(() => void renew(), options.intervalMs);
  timer.unref();
  return {
    renew,
    stop() {
      clearInterval(timer);
    },
  };
}
