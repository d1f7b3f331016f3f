/**
 * A chat's live state: restores the stored (offset, snapshot) pair, then follows the log —
 * through its own SSE connection, or, in a browser with several tabs on the chat, through the
 * leader tab's relayed batches (see tabs.ts). Every batch goes through the shared fold; the
 * control frame's `streamNextOffset` becomes the durable offset and is persisted after the batch
 * is applied. One core per chat per client; `ChatTail` handles share it.
 */
import { EMPTY_CHAT_STATE, START_OFFSET, compareOffsets, isAfter, type TailControl } from "@open-chat/shared";
import type { Backoff } from "./backoff.js";
import type { Http } from "./http.js";
import type { NetworkSignal } from "./network.js";
import type { PendingStore } from "./pending.js";
import { createSaver, type Saver } from "./persist.js";
import { decodeSnapshot, encodeSnapshot } from "./snapshot.js";
import type { ChatStorage } from "./storage.js";
import { TailConnection, type ConnectionEnd } from "./tail-connection.js";
import { TabLink, type TabMessage } from "./tabs.js";
import type { ConnectionState, ConnectionStatus, TailStats } from "./types.js";
import { TailView } from "./view.js";

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
  readonly view: TailView;
  readonly stats: TailStats = { connects: 0, reconnects: 0, batches: 0, events: 0, malformedFrames: 0, resyncs: 0 };
  readonly ready: Promise<void>;
  private conn: ConnectionState = { status: "connecting", offset: START_OFFSET, upToDate: false, leader: false };
  private readonly connectionListeners = new Set<(connection: ConnectionState) => void>();
  private readonly abort = new AbortController();
  private readonly saver: Saver;
  private readonly cleanups: Array<() => void> = [];
  private connection: TailConnection | null = null;
  private link: TabLink | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: TailContext,
    readonly chatId: string,
  ) {
    this.view = new TailView(chatId, EMPTY_CHAT_STATE, (ids) => ctx.pending.remove(chatId, ids));
    this.saver = createSaver({
      storage: ctx.storage,
      key: ctx.storageKey(chatId),
      intervalMs: ctx.persistIntervalMs,
      read: () => ({ offset: this.conn.offset, state: this.view.log }),
    });
    this.view.setPending(ctx.pending.list(chatId));
    this.cleanups.push(ctx.pending.subscribe(chatId, () => this.view.setPending(ctx.pending.list(chatId))));
    if (typeof window !== "undefined" && typeof window.addEventListener === "function") {
      // The tab is going away: store what is shown now (localStorage writes synchronously).
      const store = () => void this.saver.flush();
      window.addEventListener("pagehide", store);
      this.cleanups.push(() => window.removeEventListener("pagehide", store));
    }
    this.ready = this.restore().then(() => this.begin());
  }

  get connectionState(): ConnectionState {
    return this.conn;
  }

  subscribeConnection(listener: (connection: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  reconnect(): void {
    this.connection?.reconnect();
  }

  /** Ends the tail (last handle closed) and stores the final (offset, state) pair. */
  async close(): Promise<void> {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    this.link?.stop();
    for (const cleanup of this.cleanups) cleanup();
    await this.ready.catch(() => {});
    await this.running.catch(() => {});
    await this.saver.flush();
    if (this.conn.status !== "closed") this.setConnection({ status: "closed", closeReason: "closed" });
  }

  private async restore(): Promise<void> {
    const snapshot = decodeSnapshot(await this.ctx.storage.get(this.ctx.storageKey(this.chatId)).catch(() => null));
    if (!snapshot || this.abort.signal.aborted) return;
    this.view.replaceLog(snapshot.state);
    this.setConnection({ offset: snapshot.offset });
  }

  private begin(): void {
    if (this.abort.signal.aborted) return;
    if (this.ctx.multiTab) {
      this.link = new TabLink(`open-chat:tail:${this.ctx.baseUrl}:${this.chatId}`, {
        onMessage: (message) => this.onTabMessage(message),
        lead: (signal) => (this.running = this.lead(signal)),
      });
    } else {
      this.running = this.lead(this.abort.signal);
    }
  }

  /** Runs the network tail until closed; the end is final (deleted chat, permanent error). */
  private async lead(signal: AbortSignal): Promise<void> {
    this.setConnection({ leader: true });
    this.connection = new TailConnection(
      {
        chatId: this.chatId,
        http: this.ctx.http,
        network: this.ctx.network,
        backoff: this.ctx.backoff,
        staleAfterMs: this.ctx.staleAfterMs,
        stats: this.stats,
        offset: () => this.conn.offset,
        resetOffset: () => this.resync(),
        onBatch: (events) => {
          this.applyBatch(events);
          this.link?.post({ t: "batch", events });
        },
        onControl: (control) => {
          if (compareOffsets(control.streamNextOffset, this.conn.offset) < 0) {
            // The server's view of the log is shorter than what we saw (e.g. the streams tier
            // lost its tail and reuses offsets): re-read everything; the fold drops duplicates.
            this.resync();
            return "resync";
          }
          this.applyControl(control);
          this.saver.schedule();
          this.link?.post({ t: "control", control });
          return "ok";
        },
        onMalformed: () => {
          this.stats.malformedFrames++;
        },
        onStatus: (status, error) => this.setStatus(status, error),
      },
      signal,
    );
    const end = await this.connection.run();
    this.connection = null;
    this.finish(end);
  }

  private finish(end: ConnectionEnd): void {
    if (end.reason === "closed") return;
    this.link?.post({ t: "closed", reason: end.reason, message: end.error?.message });
    this.setConnection({ status: "closed", closeReason: end.reason, upToDate: false, ...(end.error ? { error: end.error } : {}) });
    void this.saver.flush();
  }

  private applyBatch(events: unknown[]): void {
    this.stats.batches++;
    this.stats.events += events.length;
    this.view.apply(events);
  }

  /** `relayed`: the leader tab's offset is authoritative (it may have gone back to -1 on a resync). */
  private applyControl(control: TailControl, relayed = false): void {
    const offset = relayed || isAfter(control.streamNextOffset, this.conn.offset) ? control.streamNextOffset : this.conn.offset;
    const upToDate = control.upToDate === true;
    const status: ConnectionStatus = upToDate ? "live" : this.conn.status;
    this.setConnection({ offset, upToDate, status, ...(upToDate ? { error: undefined } : {}) });
  }

  private resync(): void {
    this.stats.resyncs++;
    this.setConnection({ offset: START_OFFSET, upToDate: false });
  }

  private setStatus(status: Exclude<ConnectionStatus, "closed">, error?: Error): void {
    this.setConnection({ status, upToDate: status === "live" && this.conn.upToDate, ...(error ? { error } : {}) });
  }

  private setConnection(patch: Partial<ConnectionState>): void {
    const next = { ...this.conn, ...patch };
    if (next.status === this.conn.status && next.offset === this.conn.offset && next.upToDate === this.conn.upToDate && next.leader === this.conn.leader && next.error === this.conn.error) return;
    const statusChanged = next.status !== this.conn.status || next.upToDate !== this.conn.upToDate;
    this.conn = next;
    if (statusChanged && this.conn.leader) this.link?.post({ t: "status", status: next.status, upToDate: next.upToDate });
    for (const listener of [...this.connectionListeners]) listener(next);
  }

  private onTabMessage(message: TabMessage): void {
    if (this.conn.leader || this.abort.signal.aborted) {
      if (message.t === "hello" && this.conn.leader) {
        this.link?.post({ t: "snapshot", snapshot: encodeSnapshot({ offset: this.conn.offset, state: this.view.log }) });
        this.link?.post({ t: "status", status: this.conn.status, upToDate: this.conn.upToDate });
      }
      return;
    }
    switch (message.t) {
      case "batch":
        this.applyBatch(message.events);
        break;
      case "control":
        this.applyControl(message.control, true);
        break;
      case "status":
        this.setConnection({ status: message.status, upToDate: message.upToDate });
        break;
      case "snapshot": {
        const snapshot = decodeSnapshot(message.snapshot);
        if (snapshot && compareOffsets(snapshot.offset, this.conn.offset) >= 0) {
          this.view.replaceLog(snapshot.state);
          this.setConnection({ offset: snapshot.offset });
        }
        break;
      }
      case "closed":
        this.setConnection({ status: "closed", closeReason: message.reason, upToDate: false });
        this.link?.stop();
        break;
    }
  }
}
