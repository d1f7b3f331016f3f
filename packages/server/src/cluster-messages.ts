/**
 * What a cluster's primary (cluster-primary.ts) and its workers (cluster-worker.ts) tell each
 * other over Node's IPC channel. The primary only supervises; every worker is a full server.
 */

/** The environment variable that gives a worker its slot (0-based); a replacement keeps it. */
export const WORKER_INDEX_ENV = "OPEN_CHAT_WORKER_INDEX";

/** Worker → primary: listening; `lines` is its start-up log (the primary prints one banner). */
export interface WorkerReady {
  type: "open-chat:ready";
  lines: string[];
  /** Its lease-holder id (unique per worker start). */
  holder: string;
}

/** Primary → worker: stop gracefully, or stop running answers now (a repeated signal). */
export interface WorkerCommand {
  type: "open-chat:stop" | "open-chat:hurry";
  /** The signal the primary received, for the worker's log line. */
  reason: string;
}

export function isWorkerReady(message: unknown): message is WorkerReady {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === "open-chat:ready";
}

export function isWorkerCommand(message: unknown): message is WorkerCommand {
  const type = typeof message === "object" && message !== null ? (message as { type?: unknown }).type : undefined;
  return type === "open-chat:stop" || type === "open-chat:hurry";
}
