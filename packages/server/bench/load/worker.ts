/**
 * How bench processes talk: every worker is a `fork()`ed Node process (own event loop, own CPU
 * figures) that reports `{ type: "ready" | "phase" | "result", ... }` over the IPC channel.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export type WorkerMessage =
  | { type: "ready"; url: string }
  | { type: "phase"; phase: "measure-start" | "measure-end" }
  | { type: "result"; result: unknown }
  | { type: "failed"; error: string };

export function sendToParent(message: WorkerMessage): void {
  if (!process.send) throw new Error("a bench worker runs under the bench orchestrator (run.ts)");
  process.send(message);
}

/** Runs a worker's main and reports a throw as `failed` instead of dying silently. */
export function runWorker(main: () => Promise<unknown>): void {
  main().then(
    (result) => {
      sendToParent({ type: "result", result });
      process.disconnect?.();
    },
    (error: unknown) => {
      sendToParent({ type: "failed", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.disconnect?.();
      process.exitCode = 1;
    },
  );
}

export interface Worker {
  child: ChildProcess;
  pid: number;
  /** Resolves with the first message of this type; rejects if the worker fails or exits first. */
  next<T extends WorkerMessage["type"]>(type: T): Promise<Extract<WorkerMessage, { type: T }>>;
  /** Called for every phase message (CPU snapshots are taken there). */
  onPhase(listener: (phase: "measure-start" | "measure-end") => void): void;
  stop(): Promise<void>;
}

/** Forks `bench/load/<file>` under tsx with `env` added to this process's environment. */
export function startWorker(file: string, env: Record<string, string> = {}): Worker {
  const child = fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const messages: WorkerMessage[] = [];
  const waiters: Array<() => void> = [];
  const phaseListeners: Array<(phase: "measure-start" | "measure-end") => void> = [];
  let exited: string | undefined;
  child.on("message", (message: WorkerMessage) => {
    if (message.type === "phase") for (const listener of phaseListeners) listener(message.phase);
    messages.push(message);
    for (const wake of waiters.splice(0)) wake();
  });
  child.on("exit", (code, signal) => {
    exited = `${file} exited (${signal ?? `code ${code}`})`;
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    child,
    pid: child.pid!,
    next(type) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const failed = messages.find((m) => m.type === "failed");
          if (failed && failed.type === "failed") return reject(new Error(`${file}: ${failed.error}`));
          const index = messages.findIndex((m) => m.type === type);
          if (index !== -1) return resolve(messages.splice(index, 1)[0] as never);
          if (exited) return reject(new Error(exited));
          waiters.push(check);
        };
        check();
      });
    },
    onPhase: (listener) => void phaseListeners.push(listener),
    stop() {
      if (exited) return Promise.resolve();
      return new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    },
  };
}
