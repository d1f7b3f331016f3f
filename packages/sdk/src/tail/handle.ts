/**
 * `ChatTail`: one caller's handle on a shared {@link TailCore}. Its subscriptions end with
 * `close()`; the core (and its connection) ends when the last handle of the chat closes.
 */
import type { TailCore } from "./core.js";
import type { ChatTail, ConnectionState, TailMessage, TailState, TailStats } from "../types.js";

export class TailHandle implements ChatTail {
  private readonly cleanups = new Set<() => void>();
  private closing: Promise<void> | null = null;

  constructor(
    private readonly core: TailCore,
    private readonly release: () => Promise<void>,
  ) {}

  get chatId(): string {
    return this.core.chatId;
  }
  get state(): TailState {
    return this.core.store.state;
  }
  get connection(): ConnectionState {
    return this.core.connectionState;
  }
  get offset(): string {
    return this.core.connectionState.offset;
  }
  get stats(): Readonly<TailStats> {
    return this.core.stats;
  }
  get ready(): Promise<void> {
    return this.core.ready;
  }

  subscribe(listener: (state: TailState) => void): () => void {
    return this.track(this.core.store.subscribe(listener));
  }

  subscribeMessage(messageId: string, listener: (message: TailMessage | undefined) => void): () => void {
    return this.track(this.core.store.subscribeMessage(messageId, listener));
  }

  subscribeConnection(listener: (connection: ConnectionState) => void): () => void {
    return this.track(this.core.subscribeConnection(listener));
  }

  until(predicate: (state: TailState, connection: ConnectionState) => boolean): Promise<TailState> {
    return new Promise((resolve) => {
      const stops: Array<() => void> = [];
      const finish = () => {
        for (const stop of stops) stop();
        this.cleanups.delete(finish);
        resolve(this.state);
      };
      const check = () => {
        if (predicate(this.state, this.connection) || this.connection.status === "closed") finish();
      };
      if (this.closing || predicate(this.state, this.connection) || this.connection.status === "closed") return resolve(this.state);
      stops.push(this.core.store.subscribe(check), this.core.subscribeConnection(check));
      this.cleanups.add(finish); // close() resolves waiting callers
    });
  }

  reconnect(): void {
    if (!this.closing) this.core.reconnect();
  }

  close(): Promise<void> {
    if (!this.closing) {
      for (const cleanup of [...this.cleanups]) cleanup();
      this.cleanups.clear();
      this.closing = this.release();
    }
    return this.closing;
  }

  private track(unsubscribe: () => void): () => void {
    if (this.closing) {
      unsubscribe();
      return () => {};
    }
    const stop = () => {
      unsubscribe();
      this.cleanups.delete(stop);
    };
    this.cleanups.add(stop);
    return stop;
  }
}
