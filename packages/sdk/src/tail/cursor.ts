/**
 * `TailCursor`: the one owner of a tail's durable offset and connection state. The connection
 * reads `offset` each time it connects; control frames (read by this tab or relayed by the
 * leader tab) move it forward with `advance`; `resync` is the only way back to -1, taken both
 * when the server refuses the offset (`400 invalid_offset`) and when a control frame's offset is
 * behind ours. Everything else (persisting, relaying to tabs, the UI) subscribes.
 */
import { START_OFFSET, compareOffsets, isAfter, type TailControl } from "@open-chat/shared";
import type { ConnectionState, ConnectionStatus, TailStats } from "../types.js";

export type CursorListener = (next: ConnectionState, previous: ConnectionState) => void;

export class TailCursor {
  private current: ConnectionState = { status: "connecting", offset: START_OFFSET, upToDate: false, leader: false };
  private readonly listeners = new Set<CursorListener>();

  constructor(private readonly stats: TailStats) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** The offset to resume from: every event up to here is folded into the shown state. */
  get offset(): string {
    return this.current.offset;
  }

  subscribe(listener: CursorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * True when the server's view of the log is shorter than what we saw (e.g. the streams tier
   * lost its tail and reuses offsets): the tail must {@link resync}.
   */
  isBehind(control: TailControl): boolean {
    return compareOffsets(control.streamNextOffset, this.current.offset) < 0;
  }

  /**
   * A control frame whose batch is applied. `relayed`: the leader tab's offset is authoritative
   * (it may have gone back to -1 on a resync); our own frames only ever move the offset forward.
   */
  advance(control: TailControl, relayed = false): void {
    const offset = relayed || isAfter(control.streamNextOffset, this.current.offset) ? control.streamNextOffset : this.current.offset;
    const upToDate = control.upToDate === true;
    const status: ConnectionStatus = upToDate ? "live" : this.current.status;
    this.update({ offset, upToDate, status, ...(upToDate ? { error: undefined } : {}) });
  }

  /**
   * Forgets the offset: the next connection re-reads from -1. The tail then folds from the empty
   * state (TailStore.resync) and shows that fold once it is caught up.
   */
  resync(): void {
    this.stats.resyncs++;
    this.update({ offset: START_OFFSET, upToDate: false });
  }

  /** The connection's progress (it never reports `closed`: that is the tail's decision). */
  setStatus(status: Exclude<ConnectionStatus, "closed">, error?: Error): void {
    this.update({ status, upToDate: status === "live" && this.current.upToDate, ...(error ? { error } : {}) });
  }

  update(patch: Partial<ConnectionState>): void {
    const previous = this.current;
    const next = { ...previous, ...patch };
    if (
      next.status === previous.status &&
      next.offset === previous.offset &&
      next.upToDate === previous.upToDate &&
      next.leader === previous.leader &&
      next.error === previous.error
    )
      return;
    this.current = next;
    for (const listener of [...this.listeners]) listener(next, previous);
  }
}
