/**
 * Small promises over a Node `ServerResponse` that all give up the moment the client goes away.
 * That is how a disconnect stops the token timer: every wait is tied to one AbortSignal.
 */
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/** Aborts when the response closes: client gone, socket destroyed, or response finished. */
export function closedSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  if (res.closed) controller.abort();
  else res.once("close", () => controller.abort());
  return controller.signal;
}

/**
 * Write and wait until Node has handed the bytes to the kernel. Waiting for the flush (not just
 * `drain`) matters for `abort` failures: destroying the socket while a chunk still sits in
 * Node's buffer would silently drop it and the client would see fewer chunks than scripted.
 */
export function writeFlushed(res: ServerResponse, data: string, closed: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (closed.aborted) return resolve();
    // The write callback is not guaranteed to run once the socket is gone, so also settle on close.
    const settle = () => {
      closed.removeEventListener("abort", settle);
      resolve();
    };
    closed.addEventListener("abort", settle, { once: true });
    res.write(data, settle);
  });
}

/** Wait `ms` on a real timer (none at all for 0); false if the client left meanwhile. */
export async function pause(ms: number, closed: AbortSignal): Promise<boolean> {
  if (ms > 0 && !closed.aborted) {
    // An aborted sleep clears its timer, so a departed client leaves no timer behind.
    await sleep(ms, undefined, { signal: closed }).catch(() => undefined);
  }
  return !closed.aborted;
}

/** Resolves when the signal aborts: how a stalled reply waits without any timer. */
export function untilClosed(closed: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (closed.aborted) return resolve();
    closed.addEventListener("abort", () => resolve(), { once: true });
  });
}
