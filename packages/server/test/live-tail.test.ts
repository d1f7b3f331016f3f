/**
 * The route's live tail (src/routes/events.ts `liveTail`): what one open tail keeps. A tail lives
 * for hours, so the route's catch-up page (up to a page of events) must not stay with it once
 * written. Through HTTP: sse-fanout.test.ts.
 */
import { expect, it } from "vitest";
import type { SseSink } from "../src/http/raw-sse.js";
import { createHeartbeats } from "../src/http/heartbeats.js";
import type { FeedTarget, StreamHub } from "../src/log/stream-hub.js";
import { liveTail } from "../src/routes/events.js";
import { collectGarbage } from "./helpers/gc.js";
import type { Services } from "../src/services.js";

it("an open tail does not keep the catch-up page it was opened with", async () => {
  let aborted: (() => void) | undefined;
  const sink: SseSink = { write: () => Promise.resolve(), onAbort: (listener) => void (aborted = listener) };
  const targets: FeedTarget[] = [];
  const hub = { maxBufferedEvents: 100, attach: (_s: string, _o: unknown, target: FeedTarget) => void targets.push(target) } as unknown as StreamHub;
  const services = { liveSessions: { watch: () => () => undefined } } as unknown as Services;
  let released = 0;
  // The page is made in its own function: the test keeps only a WeakRef to it.
  const { tail, caughtUp } = (() => {
    const first = { records: [{ chatId: "c", n: 1 }], nextOffset: "o1", upToDate: true };
    const options = { hub, heartbeats: createHeartbeats({ intervalMs: 60_000 }), stream: "s", chatId: "c", key: "chat:c", offset: "-1", first, retryMs: 1_000 };
    return { tail: liveTail(services, { token: "t", userId: "u" }, { release: () => void released++ }, "inc", options), caughtUp: new WeakRef(first) };
  })();
  const done = tail.body(sink);

  await collectGarbage();
  expect(targets).toHaveLength(1); // still open: attached to the hub, holding body and onError
  expect(tail.onError).toBeTypeOf("function");
  expect(caughtUp.deref()).toBeUndefined();

  aborted!();
  await done;
  expect(released).toBeGreaterThan(0);
});
