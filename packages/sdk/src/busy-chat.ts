/**
 * Waiting out a busy chat before the outbox sends to it again (`409 generation_in_progress`):
 * the previous answer ends on the chat's tail, or the server's `retryAfterMs` (its lease's
 * expiry) passes — a holder that died never writes the terminal event, takeover frees the chat
 * soon after the expiry.
 */
import { findMessage } from "@open-chat/shared";
import { RETRY_AFTER_RANGE, backoffDelay, clampRetryAfter, pause, type Backoff } from "./backoff.js";
import type { NetworkSignal } from "./network.js";
import type { ChatTail, SendResult } from "./types.js";

export { RETRY_AFTER_RANGE } from "./backoff.js";

export interface BusyChatDeps {
  openTail(chatId: string): ChatTail;
  network: NetworkSignal;
  backoff: Backoff;
  /** Ends the wait (the outbox closes). */
  signal: AbortSignal;
  /** The tails open while waiting (the outbox closes them when it closes). */
  tails: Set<ChatTail>;
}

export interface BusyChat {
  chatId: string;
  /** Our last accepted turn in the chat, if any: its answer is the one to wait for. */
  last: SendResult | undefined;
  /** Consecutive 409s before this one. */
  busy: number;
  /** What the server said, if anything. */
  retryAfterMs: number | undefined;
}

/**
 * Waits until the chat's previous answer has ended — our last accepted turn's assistant message
 * is terminal, or (not knowing which turn runs) the caught-up tail shows nothing streaming —
 * or until the server's `retryAfterMs` has passed (clamped to {@link RETRY_AFTER_RANGE}; the
 * maximum when the server named none), whichever comes first. From the second consecutive 409
 * on, also backs off (the lease may outlive the terminal event).
 */
export async function untilIdle(deps: BusyChatDeps, { chatId, last, busy, retryAfterMs }: BusyChat): Promise<void> {
  const tail = deps.openTail(chatId);
  deps.tails.add(tail);
  const timer = new AbortController();
  const stopTimer = () => timer.abort();
  deps.signal.addEventListener("abort", stopTimer, { once: true });
  try {
    const ended = tail.until((state, connection) => {
      if (last) {
        const answer = findMessage(state.log, last.assistantMessageId);
        return answer !== undefined && answer.status !== "streaming";
      }
      return connection.upToDate && !state.log.messages.some((m) => m.role === "assistant" && m.status === "streaming");
    });
    // A server that names no time (an older one) still gets asked again after the maximum.
    const expired = pause(clampRetryAfter(retryAfterMs ?? RETRY_AFTER_RANGE.maxMs), { signal: timer.signal, network: deps.network });
    await Promise.race([ended, expired]);
  } finally {
    stopTimer();
    deps.signal.removeEventListener("abort", stopTimer);
    deps.tails.delete(tail);
    await tail.close();
  }
  if (busy > 0) await pause(backoffDelay(busy, deps.backoff), { signal: deps.signal, network: deps.network });
}
