/**
 * A background job of one process: runs once at start and then every `intervalMs`; runs never
 * overlap (a slow pass delays the next), a failed pass is reported and the next one tries again,
 * and `stop()` waits for the pass in flight. Used by the lease sweeper and the guest purge.
 */
export interface PeriodicJob<T> {
  /** One pass now (after the one in flight); resolves with its result (`idle` if it failed or the job stopped). */
  runNow(): Promise<T>;
  stop(): Promise<void>;
  /** True once stop() was called: a long pass checks it between steps. */
  readonly stopped: boolean;
}

export function startPeriodic<T>(options: { run: () => Promise<T>; idle: T; intervalMs: number; onError: (error: unknown) => void }): PeriodicJob<T> {
  const { run, idle, onError } = options;
  let running: Promise<T> = Promise.resolve(idle);
  let stopped = false;

  function runNow(): Promise<T> {
    running = running.then(
      () => (stopped ? idle : run().catch((error) => (onError(error), idle))),
      () => idle,
    );
    return running;
  }

  void runNow();
  const timer = setInterval(() => void runNow(), options.intervalMs);
  timer.unref();
  return {
    runNow,
    get stopped() {
      return stopped;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
