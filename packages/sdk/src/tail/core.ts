/**
 * A chat's live tail, composed: restores the stored (offset, snapshot) pair, then follows the
 * log — through its own SSE connection (connection.ts), or, in a browser with several tabs on the
 * chat, through the leader tab's relayed batches (relay.ts). The cursor (cursor.ts) owns the
 * offset and connection state, the store (store.ts) the folded messages, the saver (persist.ts)
 * writes the pair after batches are applied and when the network signal says the page hides.
 * One core per chat per client; `ChatTail` handles (handle.ts) share it.
 */
import { EMPTY_CHAT_STATE } from "@open-chat/shared";
import type { Backoff } from "../backoff.js";
import type { Http } from "../http.js";
import type { NetworkSignal } from "../network.js";
import type { PendingStore } from "../pending.js";
import type { ChatStorage } from "../storage.js";
import type { ConnectionState, TailStats } from "../types.js";
import { TailConnection, type ConnectionEnd } from "./connection.js";
import { TailCursor } from "./cursor.js";
import { createSaver, type Saver } from "./persist.js";
import { TabRelay } from "./relay.js";
import { decodeSnapshot } from "./snapshot.js";
import { TailStore } from "./store.js";

export interface TailContext {
  baseUrl: string;
  http: Http;
  storage: ChatStorage;
  storageKey: (chatId: string) => string;
  network: NetworkSignal;
  backoff: Backoff;
  staleAfterMs: number;
  persistIntervalMs: number;
  /** Share one connection between the tabs of a browser. */
  multiTab: boolean;
  pending: PendingStore;
}

export class TailCore {
  readonly store: TailStore;
  readonly stats: TailStats = { connects: 0, reconnects: 0, batches: 0, events: 0, malformedFrames: 0, resyncs: 0 };
  readonly cursor = new TailCursor(this.stats);
  readonly ready: Promise<void>;
  private readonly abort = new AbortController();
  private readonly saver: Saver;
  private readonly cleanups: Array<() => void> = [];
  private connection: TailConnection | null = null;
  private relay: TabRelay | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: TailContext,
    readonly chatId: string,
  ) {
    this.store = new TailStore(chatId, EMPTY_CHAT_STATE, (ids) => ctx.pending.remove(chatId, ids));
    this.saver = createSaver({
      storage: ctx.storage,
      key: ctx.storageKey(chatId),
      intervalMs: ctx.persistIntervalMs,
      read: () => ({ offset: this.cursor.offset, state: this.store.foldedLog }),
    });
    this.store.setPending(ctx.pending.list(chatId));
    this.cleanups.push(ctx.pending.subscribe(chatId, () => this.store.setPending(ctx.pending.list(chatId))));
    // The page is going away: store what is shown now (localStorage writes synchronously).
    const stopHide = ctx.network.onHide?.(() => void this.saver.flush());
    if (stopHide) this.cleanups.push(stopHide);
    this.ready = this.restore().then(() => this.begin());
  }

  get connectionState(): ConnectionState {
    return this.cursor.state;
  }

  subscribeConnection(listener: (connection: ConnectionState) => void): () => void {
    return this.cursor.subscribe((next) => listener(next));
  }

  reconnect(): void {
    this.connection?.reconnect();
  }

  /** Ends the tail (last handle closed) and stores the final (offset, state) pair. */
  async close(): Promise<void> {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    this.relay?.stop();
    for (const cleanup of this.cleanups) cleanup();
    await this.ready.catch(() => {});
    await this.running.catch(() => {});
    await this.saver.flush();
    if (this.cursor.state.status !== "closed") this.cursor.update({ status: "closed", closeReason: "closed" });
  }

  private async restore(): Promise<void> {
    const snapshot = decodeSnapshot(await this.ctx.storage.get(this.ctx.storageKey(this.chatId)).catch(() => null));
    if (!snapshot || this.abort.signal.aborted) return;
    this.store.replaceLog(snapshot.state);
    this.cursor.update({ offset: snapshot.offset });
  }

  private begin(): void {
    if (this.abort.signal.aborted) return;
    if (this.ctx.multiTab) {
      this.relay = new TabRelay(`open-chat:tail:${this.ctx.baseUrl}:${this.chatId}`, {
        store: this.store,
        cursor: this.cursor,
        applyBatch: (events) => this.applyBatch(events),
        lead: (signal) => (this.running = this.lead(signal)),
      });
    } else {
      this.running = this.lead(this.abort.signal);
    }
  }

  /** Runs the network tail until closed; the end is final (deleted chat, permanent error). */
  private async lead(signal: AbortSignal): Promise<void> {
    this.cursor.update({ leader: true });
    this.connection = new TailConnection(
      {
        chatId: this.chatId,
        http: this.ctx.http,
        network: this.ctx.network,
        backoff: this.ctx.backoff,
        staleAfterMs: this.ctx.staleAfterMs,
        stats: this.stats,
        cursor: this.cursor,
        onBatch: (events) => {
          this.applyBatch(events);
          this.relay?.post({ t: "batch", events });
        },
        onControl: (control) => {
          this.store.control(control);
          this.saver.schedule();
          this.relay?.post({ t: "control", control });
        },
        onResync: () => {
          // Start over from the empty fold; the stored pair becomes (-1, empty) until caught up.
          this.store.resync();
          this.saver.schedule();
          this.relay?.post({ t: "resync" });
        },
        onMalformed: () => {
          this.stats.malformedFrames++;
        },
      },
      signal,
    );
    const end = await this.connection.run();
    this.connection = null;
    this.finish(end);
  }

  private finish(end: ConnectionEnd): void {
    if (end.reason === "closed") return;
    this.relay?.post({ t: "closed", reason: end.reason, message: end.error?.message });
    this.cursor.update({ status: "closed", closeReason: end.reason, upToDate: false, ...(end.error ? { error: end.error } : {}) });
    void this.saver.flush();
  }

  private applyBatch(events: unknown[]): void {
    this.stats.batches++;
    this.stats.events += events.length;
    this.store.apply(events);
  }
}
