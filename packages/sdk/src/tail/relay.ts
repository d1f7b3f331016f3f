/**
 * A tail's side of the tab link (tabs.ts). As leader this tab posts what its connection reads
 * (batches, control frames, status changes, the end) and answers a new tab's `hello` with its
 * snapshot; as follower it applies the leader's messages to its own store and cursor, so every
 * tab folds the very same batches.
 */
import { compareOffsets } from "@open-chat/shared";
import type { TailCursor } from "./cursor.js";
import { decodeSnapshot, encodeSnapshot } from "./snapshot.js";
import type { TailStore } from "./store.js";
import { TabLink, type TabMessage } from "./tabs.js";

export interface TabRelayDeps {
  store: TailStore;
  cursor: TailCursor;
  /** Folds a batch (the leader's, here) and counts it. */
  applyBatch(events: unknown[]): void;
  /** This tab won the election: run the network tail until `signal` aborts. */
  lead(signal: AbortSignal): Promise<void>;
}

export class TabRelay {
  private readonly link: TabLink;
  private readonly stopWatching: () => void;

  constructor(
    name: string,
    private readonly deps: TabRelayDeps,
  ) {
    // The leader tells the followers when its status changes.
    this.stopWatching = deps.cursor.subscribe((next, previous) => {
      const changed = next.status !== previous.status || next.upToDate !== previous.upToDate;
      if (changed && next.leader) this.post({ t: "status", status: next.status, upToDate: next.upToDate });
    });
    this.link = new TabLink(name, { onMessage: (message) => this.onMessage(message), lead: deps.lead });
  }

  post(message: TabMessage): void {
    this.link.post(message);
  }

  stop(): void {
    this.stopWatching();
    this.link.stop();
  }

  private onMessage(message: TabMessage): void {
    const { store, cursor } = this.deps;
    if (cursor.state.leader) {
      if (message.t === "hello") {
        this.post({ t: "snapshot", snapshot: encodeSnapshot({ offset: cursor.offset, state: store.foldedLog }) });
        this.post({ t: "status", status: cursor.state.status, upToDate: cursor.state.upToDate });
      }
      return;
    }
    switch (message.t) {
      case "batch":
        this.deps.applyBatch(message.events);
        break;
      case "control":
        cursor.advance(message.control, true);
        store.control(message.control);
        break;
      case "resync":
        cursor.resync();
        store.resync();
        break;
      case "status":
        cursor.update({ status: message.status, upToDate: message.upToDate });
        break;
      case "snapshot": {
        const snapshot = decodeSnapshot(message.snapshot);
        if (snapshot && compareOffsets(snapshot.offset, cursor.offset) >= 0) {
          store.replaceLog(snapshot.state);
          cursor.update({ offset: snapshot.offset });
        }
        break;
      }
      case "closed":
        cursor.update({ status: "closed", closeReason: message.reason, upToDate: false });
        this.stop();
        break;
    }
  }
}
