/**
 * One network tail per chat per browser: the tabs of an origin that open the same chat elect a
 * leader with a Web Lock (`open-chat:tail:<baseUrl>:<chatId>`). The leader holds the SSE
 * connection and relays every batch, control frame and status change on a BroadcastChannel;
 * follower tabs fold the very same batches. When the leader's tab closes, the browser grants the
 * lock to the next waiting tab, which resumes the connection from its own (relayed) offset.
 * A new follower says `hello`; the leader answers with its snapshot so it starts complete.
 */
import type { TailControl } from "@open-chat/shared";
import type { ConnectionStatus } from "../types.js";

export type TabMessage =
  | { t: "hello" }
  | { t: "snapshot"; snapshot: string }
  | { t: "batch"; events: unknown[] }
  | { t: "control"; control: TailControl }
  | { t: "resync" }
  | { t: "status"; status: ConnectionStatus; upToDate: boolean }
  | { t: "closed"; reason: "deleted" | "error"; message?: string };

/** True where tabs can share a tail: a browser window with Web Locks and BroadcastChannel. */
export function tabsSupported(): boolean {
  return (
    typeof window !== "undefined" &&
    typeof BroadcastChannel === "function" &&
    typeof navigator !== "undefined" &&
    typeof navigator.locks?.request === "function"
  );
}

export interface TabLinkHandlers {
  /** A message from another tab. */
  onMessage(message: TabMessage): void;
  /** This tab won the lock: run the network tail until `signal` aborts; returning releases the lock. */
  lead(signal: AbortSignal): Promise<void>;
}

export class TabLink {
  private readonly channel: BroadcastChannel;
  private readonly abort = new AbortController();

  constructor(
    name: string,
    private readonly handlers: TabLinkHandlers,
  ) {
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event: MessageEvent<TabMessage>) => {
      if (!this.abort.signal.aborted) this.handlers.onMessage(event.data);
    };
    navigator.locks
      .request(name, { signal: this.abort.signal }, async () => {
        if (this.abort.signal.aborted) return;
        await this.handlers.lead(this.abort.signal);
      })
      .catch(() => {
        // AbortError: we stopped waiting for the lock.
      });
    this.post({ t: "hello" });
  }

  post(message: TabMessage): void {
    if (this.abort.signal.aborted) return;
    try {
      this.channel.postMessage(message);
    } catch {
      // A message that cannot be cloned or a closed channel: followers resync on their next hello.
    }
  }

  /** Leaves the election (releasing the lock if held) and closes the channel. */
  stop(): void {
    this.abort.abort();
    this.channel.close();
  }
}
