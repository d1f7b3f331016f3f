/**
 * Finds answers that went quiet: a `streaming` assistant message with no event for `afterMs`
 * (its server process may have died; takeover resumes or ends it within seconds of the lease's
 * expiry). The view then shows "Reconnecting the answer…" on that message until its next event.
 *
 * A message's next event is a new `updatedAt` (every event sets it); the time since is measured
 * with the page's clock from when the page saw that `updatedAt`, so a device clock that differs
 * from the server's does not matter. One timer for the earliest deadline, none when nothing
 * streams; `clear()` stops it.
 */
import type { ChatMessage } from "@open-chat/sdk";

export interface StallWatchOptions {
  /** Quiet time (ms) after which a streaming answer counts as stalled; read on every check. */
  afterMs(): number;
  /** The set of stalled answers changed. */
  onChange(): void;
  /** Milliseconds; default `Date.now` (tests pass a manual clock). */
  now?: () => number;
}

export class StallWatch {
  private readonly seen = new Map<string, { updatedAt: string; at: number }>();
  private stalled: ReadonlySet<string> = new Set();
  private messages: readonly ChatMessage[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: StallWatchOptions) {}

  /** True while the answer with this id streams and has been quiet for `afterMs`. */
  has(messageId: string): boolean {
    return this.stalled.has(messageId);
  }

  /** The chat's folded messages changed (or the threshold did): check again. */
  update(messages: readonly ChatMessage[]): void {
    this.messages = messages;
    this.check();
  }

  /** Forgets everything and stops the timer (chat left, element disconnected). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.seen.clear();
    this.messages = [];
    this.stalled = new Set();
  }

  private check(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = (this.options.now ?? Date.now)();
    const afterMs = Math.max(0, this.options.afterMs());
    const streaming = new Set<string>();
    const stalled = new Set<string>();
    let next = Number.POSITIVE_INFINITY;
    for (const message of this.messages) {
      if (message.role !== "assistant" || message.status !== "streaming") continue;
      streaming.add(message.id);
      let seen = this.seen.get(message.id);
      if (!seen || seen.updatedAt !== message.updatedAt) this.seen.set(message.id, (seen = { updatedAt: message.updatedAt, at: now }));
      const due = seen.at + afterMs;
      if (now >= due) stalled.add(message.id);
      else next = Math.min(next, due);
    }
    for (const id of [...this.seen.keys()]) if (!streaming.has(id)) this.seen.delete(id);
    if (Number.isFinite(next)) this.timer = setTimeout(() => this.check(), next - now);
    if (stalled.size !== this.stalled.size || [...stalled].some((id) => !this.stalled.has(id))) {
      this.stalled = stalled;
      this.options.onChange();
    }
  }
}
