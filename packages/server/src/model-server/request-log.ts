/**
 * The record of completion requests plus `waitFor(n)`: waiters are settled by `record()` itself,
 * so a test waits on an event, never on a polling loop or a sleep.
 */
import type { RecordedRequest } from "./types.js";

interface Waiter {
  count: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class RequestLog {
  readonly requests: RecordedRequest[] = [];
  #waiters = new Set<Waiter>();
  #closed = false;

  record(request: RecordedRequest): void {
    this.requests.push(request);
    for (const waiter of this.#waiters) {
      if (this.requests.length >= waiter.count) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  waitFor(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    if (this.#closed) return Promise.reject(this.#closedError(count));
    return new Promise((resolve, reject) => this.#waiters.add({ count, resolve, reject }));
  }

  /** Fail pending waits: after close no request can arrive, and a hung test helps nobody. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters) waiter.reject(this.#closedError(waiter.count));
    this.#waiters.clear();
  }

  #closedError(count: number): Error {
    return new Error(`model server closed after ${this.requests.length} of ${count} awaited requests`);
  }
}
