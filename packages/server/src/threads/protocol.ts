/**
 * The messages between a service's host (host.ts, on the main thread) and its worker thread
 * (worker.ts): named once here. The host sends `stop`; the worker answers `ready` or `failed`
 * once, after its start, and `stopped` or `stop-failed` after a stop.
 */
export const THREAD_MESSAGE = {
  ready: "ready",
  failed: "failed",
  stop: "stop",
  stopped: "stopped",
  stopFailed: "stop-failed",
} as const;

/** A started service: its value (a URL, a path: anything structured clone carries) and its stop. */
export interface ThreadedService<T> {
  value: T;
  stop(): Promise<void>;
}

/** An error as it crosses the thread boundary (structured clone keeps neither its class nor `code`). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export type FromThread =
  | { type: typeof THREAD_MESSAGE.ready; value: unknown }
  | { type: typeof THREAD_MESSAGE.failed; error: WireError }
  | { type: typeof THREAD_MESSAGE.stopped }
  | { type: typeof THREAD_MESSAGE.stopFailed; error: WireError };

export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === "string" ? { code } : {}), ...(error.stack ? { stack: error.stack } : {}) };
}

export function fromWire(wire: WireError, where: string): Error {
  const error = new Error(`${wire.message} (on the ${where} thread)`);
  error.name = wire.name;
  if (wire.code) (error as Error & { code?: string }).code = wire.code;
  if (wire.stack) error.stack = `${error.name}: ${error.message}\n${wire.stack.split("\n").slice(1).join("\n")}`;
  return error;
}
