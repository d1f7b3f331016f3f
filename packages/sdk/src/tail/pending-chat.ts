/**
 * The tail of a chat started with `startChat()` that the server has not made yet (a local id):
 * there is no log to read, so it shows only the chat's pending messages, and its connection
 * says `offline` or `connecting` until the chat exists. It never touches the network. Once
 * `client.resolveChat(localId)` gives the server's id, open that chat instead: the pending
 * messages have moved there.
 */
import { EMPTY_CHAT_STATE, START_OFFSET } from "@open-chat/shared";
import type { NetworkSignal } from "../network.js";
import type { PendingStore } from "../pending.js";
import type { ChatTail, ConnectionState, TailMessage, TailState, TailStats } from "../types.js";
import { TailStore } from "./store.js";

export class PendingChatTail implements ChatTail {
  readonly ready: Promise<void> = Promise.resolve();
  readonly stats: Readonly<TailStats> = { connects: 0, reconnects: 0, batches: 0, events: 0, malformedFrames: 0, resyncs: 0 };
  private readonly store: TailStore;
  private current: ConnectionState;
  private readonly connectionListeners = new Set<(connection: ConnectionState) => void>();
  private readonly cleanups: Array<() => void> = [];

  constructor(
    readonly chatId: string,
    pending: PendingStore,
    private readonly network: NetworkSignal,
  ) {
    this.store = new TailStore(chatId, EMPTY_CHAT_STATE, () => {});
    this.store.setPending(pending.list(chatId));
    this.current = { status: this.statusNow(), offset: START_OFFSET, upToDate: false, leader: true };
    this.cleanups.push(
      pending.subscribe(chatId, () => this.store.setPending(pending.list(chatId))),
      network.onChange(() => this.setConnection({ ...this.current, status: this.statusNow() })),
    );
  }

  get state(): TailState {
    return this.store.state;
  }
  get connection(): ConnectionState {
    return this.current;
  }
  get offset(): string {
    return this.current.offset;
  }

  subscribe(listener: (state: TailState) => void): () => void {
    return this.store.subscribe(listener);
  }

  subscribeMessage(messageId: string, listener: (message: TailMessage | undefined) => void): () => void {
    return this.store.subscribeMessage(messageId, listener);
  }

  subscribeConnection(listener: (connection: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  until(predicate: (state: TailState, connection: ConnectionState) => boolean): Promise<TailState> {
    return new Promise((resolve) => {
      const check = () => {
        if (!predicate(this.state, this.current) && this.current.status !== "closed") return false;
        stopState();
        stopConnection();
        resolve(this.state);
        return true;
      };
      const stopState = this.store.subscribe(check);
      const stopConnection = this.subscribeConnection(check);
      check();
    });
  }

  reconnect(): void {}

  async close(): Promise<void> {
    if (this.current.status === "closed") return;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.setConnection({ ...this.current, status: "closed", closeReason: "closed" });
    this.connectionListeners.clear();
  }

  private statusNow(): ConnectionState["status"] {
    return this.network.isOnline() ? "connecting" : "offline";
  }

  private setConnection(next: ConnectionState): void {
    if (next.status === this.current.status) return;
    this.current = next;
    for (const listener of [...this.connectionListeners]) listener(next);
  }
}
