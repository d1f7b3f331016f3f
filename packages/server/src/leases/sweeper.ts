/**
 * Finds generations whose holder stopped renewing (the process died, hung, or lost Postgres)
 * and takes them over, so every turn ends (invariant 5). Runs once at start-up and then every
 * `intervalMs` in every server process; sweeps never overlap within a process, and the
 * compare-and-set in `takeOver` makes sure only one process wins each lease.
 *
 * From a holder's death to the takeover: at most lease TTL + sweep interval.
 */
import { startPeriodic } from "../jobs/periodic.js";
import type { ExpiredLease, LeaseStore } from "./lease-store.js";

export interface LeaseSweeperOptions {
  store: Pick<LeaseStore, "findExpired" | "takeOver">;
  holder: string;
  leaseMs: number;
  intervalMs: number;
  /** Leases looked at per sweep. Default 50. */
  batch?: number;
  /** Ends or continues a turn this process has just taken over (its epoch already bumped). */
  onTakeover(lease: ExpiredLease): Promise<void>;
  /** A sweep or a takeover failed; the next sweep tries again. Default: console.error. */
  onError?(error: unknown): void;
}

export interface LeaseSweeper {
  /** One pass now (waits for a running one first); resolves with the number of leases taken. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

export function startLeaseSweeper(options: LeaseSweeperOptions): LeaseSweeper {
  const { store, holder, leaseMs, batch = 50 } = options;
  const onError = options.onError ?? ((error) => console.error("[open-chat] lease sweep failed:", error));

  async function pass(): Promise<number> {
    let taken = 0;
    for (const lease of await store.findExpired(batch)) {
      if (job.stopped) break;
      const mine = await store.takeOver(lease, holder, leaseMs);
      if (!mine) continue; // another process won this one
      taken++;
      await options.onTakeover({ ...lease, epoch: mine.epoch }).catch(onError);
    }
    return taken;
  }

  const job = startPeriodic({ run: pass, idle: 0, intervalMs: options.intervalMs, onError });
  return { sweep: job.runNow, stop: job.stop };
}
