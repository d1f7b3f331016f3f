/**
 * The generations running in this process: lets a stop request reach its generation, keeps a
 * message from being generated twice here, keeps their leases alive (one renewal statement
 * for all of them, see leases/lease-keeper.ts) and lets shutdown and tests wait until every
 * detached generation has written its terminal event.
 */
import { startLeaseKeeper, type LeaseKeeper } from "../leases/lease-keeper.js";
import { defaultAppendWindowMaxMs, startAppendWindow, type AppendWindow } from "./append-window.js";
import type { LeaseRef, LeaseStore } from "../leases/lease-store.js";
import { LeaseLost, runGeneration, StopRequested, type GenerationJob, type GenerationResult, type GeneratorDeps } from "./generator.js";

export interface GenerationRegistry {
  start(job: GenerationJob): Promise<GenerationResult>;
  isRunning(assistantMessageId: string): boolean;
  /** Stops the chat's running generation here; false when none runs in this process. */
  stop(chatId: string, by: "user" | "system"): boolean;
  /** Resolves when no generation is running. */
  idle(): Promise<void>;
  /**
   * Graceful shutdown: lets running answers finish for up to `graceMs`, then stops the rest
   * (`message.stopped` by system), so every turn still ends with a terminal event.
   */
  shutdown(graceMs: number): Promise<void>;
  /** Renews the leases of every running generation now (the keeper does it on a timer). */
  renewLeases(): Promise<void>;
  /**
   * Generations running here, not counting those whose turn's opening is still being written:
   * their send is still in flight and counted as such (limits/answer-admission.ts), not twice.
   */
  readonly running: number;
  /** Totals over finished generations: the group-commit figure is `appends / deltas`. */
  readonly stats: { readonly generations: number; readonly appends: number; readonly deltas: number; readonly byOutcome: Readonly<Record<GenerationResult["status"], number>> };
}

export interface GenerationRegistryDeps extends GeneratorDeps {
  leases: Pick<LeaseStore, "release" | "closeWithError" | "renewHeld">;
  /** This process, as the lease holder. */
  holder: string;
}

interface Running {
  lease: LeaseRef;
  controller: AbortController;
  done: Promise<GenerationResult>;
  /** Its turn's opening (`job.opened`) has not settled yet. */
  opening: boolean;
}

export function createGenerationRegistry(deps: GenerationRegistryDeps): GenerationRegistry {
  const byChat = new Map<string, Running>();
  const byOutcome: Record<GenerationResult["status"], number> = { completed: 0, error: 0, stopped: 0, fenced: 0, unterminated: 0, cancelled: 0 };
  const stats = { generations: 0, appends: 0, deltas: 0, byOutcome };
  let keeper: LeaseKeeper | undefined;
  // Group commit's window, shared by every answer here: it follows this process's load.
  let batching: AppendWindow | undefined;
  const appendWindow = () => batching?.current() ?? deps.limits.appendIntervalMs;
  const generatorDeps = { ...deps, appendWindow };

  // Only the generation the lease belongs to: the chat may have started a newer one since.
  const abort = (lease: LeaseRef, reason: Error) => {
    const entry = byChat.get(lease.chatId);
    if (entry?.lease.generationId !== lease.generationId || entry.lease.epoch !== lease.epoch) return;
    if (!entry.controller.signal.aborted) entry.controller.abort(reason);
  };
  // Renewal runs only while something runs here; a third of the lease leaves two chances.
  const keepLeases = () => {
    const { appendIntervalMs, appendIntervalMaxMs } = deps.limits;
    batching ??= startAppendWindow({ minMs: appendIntervalMs, maxMs: appendIntervalMaxMs ?? defaultAppendWindowMaxMs({ embeddedStreams: false, minMs: appendIntervalMs }) });
    keeper ??= startLeaseKeeper({
      store: deps.leases,
      holder: deps.holder,
      leaseMs: deps.limits.leaseMs,
      intervalMs: Math.max(100, Math.floor(deps.limits.leaseMs / 3)),
      running: () => [...byChat.values()].map((entry) => entry.lease),
      onLost: (lease, reason) => abort(lease, new LeaseLost(reason)),
      onStopRequested: (lease, by) => abort(lease, new StopRequested(by)),
    });
  };
  const stopKeeperWhenIdle = () => {
    if (byChat.size > 0) return;
    keeper?.stop();
    keeper = undefined;
    batching?.stop();
    batching = undefined;
  };

  return {
    stats,
    start(job) {
      const controller = new AbortController();
      const done = runGeneration(generatorDeps, job, controller)
        // A detached generation must never take the process down: a bug here leaves the turn
        // to lease takeover instead of an unhandled rejection.
        .catch((error: unknown): GenerationResult => {
          console.error(`[open-chat] generation ${job.assistantMessageId} failed:`, error);
          return { status: "unterminated", appends: 0, deltas: 0 };
        })
        .then((result) => {
          stats.generations++;
          stats.appends += result.appends;
          stats.deltas += result.deltas;
          byOutcome[result.status]++;
          return result;
        })
        .finally(() => {
          if (byChat.get(job.chatId)?.controller === controller) byChat.delete(job.chatId);
          stopKeeperWhenIdle();
        });
      const entry: Running = { lease: { chatId: job.chatId, generationId: job.assistantMessageId, epoch: job.epoch }, controller, done, opening: job.opened !== undefined };
      const opened = () => (entry.opening = false);
      job.opened?.then(opened, opened);
      byChat.set(job.chatId, entry);
      keepLeases();
      return done;
    },
    isRunning(assistantMessageId) {
      for (const entry of byChat.values()) if (entry.lease.generationId === assistantMessageId) return true;
      return false;
    },
    stop(chatId, by) {
      const entry = byChat.get(chatId);
      if (!entry) return false;
      abort(entry.lease, new StopRequested(by));
      return true;
    },
    async idle() {
      while (byChat.size > 0) await Promise.allSettled([...byChat.values()].map((e) => e.done));
    },
    async shutdown(graceMs) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([this.idle(), grace]);
      clearTimeout(timer);
      for (const chatId of byChat.keys()) this.stop(chatId, "system");
      await this.idle();
    },
    async renewLeases() {
      await keeper?.renew();
    },
    get running() {
      let running = 0;
      for (const entry of byChat.values()) if (!entry.opening) running++;
      return running;
    },
  };
}
