/**
 * The generations running in this process: lets a stop request reach its generation, keeps a
 * message from being generated twice here, and lets shutdown and tests wait until every
 * detached generation has written its terminal event.
 */
import { runGeneration, StopRequested, type GenerationJob, type GenerationResult, type GeneratorDeps } from "./generator.js";

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
  readonly running: number;
  /** Totals over finished generations: the group-commit figure is `appends / deltas`. */
  readonly stats: { readonly generations: number; readonly appends: number; readonly deltas: number };
}

export function createGenerationRegistry(deps: GeneratorDeps): GenerationRegistry {
  const byChat = new Map<string, { messageId: string; controller: AbortController; done: Promise<GenerationResult> }>();
  const stats = { generations: 0, appends: 0, deltas: 0 };
  return {
    stats,
    start(job) {
      const controller = new AbortController();
      const done = runGeneration(deps, job, controller)
        .then((result) => {
          stats.generations++;
          stats.appends += result.appends;
          stats.deltas += result.deltas;
          return result;
        })
        .finally(() => {
          if (byChat.get(job.chatId)?.controller === controller) byChat.delete(job.chatId);
        });
      byChat.set(job.chatId, { messageId: job.assistantMessageId, controller, done });
      return done;
    },
    isRunning(assistantMessageId) {
      for (const entry of byChat.values()) if (entry.messageId === assistantMessageId) return true;
      return false;
    },
    stop(chatId, by) {
      const entry = byChat.get(chatId);
      if (!entry) return false;
      entry.controller.abort(new StopRequested(by));
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
    get running() {
      return byChat.size;
    },
  };
}
