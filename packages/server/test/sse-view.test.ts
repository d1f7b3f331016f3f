/**
 * One live SSE tail (src/log/sse-view.ts) against a sink it writes to and a hub that pushes
 * pages to it: the frames in order, the catch-up page before the hub's, the tail's own bound
 * while the client's connection is full, and every way it ends (client gone, session revoked,
 * chat deleted, stream deleted, upstream failure). Through HTTP: sse-fanout.test.ts.
 */
import { EVENT_TYPE } from "@open-chat/shared";
import { describe, expect, it } from "vitest";
import type { SseSink } from "../src/http/raw-sse.js";
import { createHeartbeats } from "../src/http/heartbeats.js";
import { pipeSseView } from "../src/log/sse-view.js";
import { TailOverrunError, type ChatPage, type FeedTarget, type StreamHub } from "../src/log/stream-hub.js";
import { StreamsError } from "../src/streams/client/errors.js";

/** A sink that records what is written; `full()` makes writes wait until `drain()`. */
function recordingSink() {
  const written: string[] = [];
  let aborted: (() => void) | undefined;
  let blocked: PromiseWithResolvers<void> | undefined;
  const sink: SseSink = {
    write(text) {
      written.push(text);
      return blocked?.promise ?? Promise.resolve();
    },
    onAbort(listener) {
      aborted = listener;
    },
  };
  return {
    sink,
    written,
    /** The data frames' records, in the order written. */
    records: () => written.flatMap((text) => [...text.matchAll(/event: data\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1]!) as unknown[]).flat()),
    full() {
      blocked = Promise.withResolvers<void>();
    },
    drain() {
      blocked?.resolve();
      blocked = undefined;
    },
    clientLeaves: () => aborted?.(),
  };
}

/** A hub that records the target a tail attaches and lets the test push to it. */
function pushingHub(maxBufferedEvents = 5) {
  const attached: Array<{ stream: string; offset: string; target: FeedTarget }> = [];
  const hub = {
    maxBufferedEvents,
    attach(stream: string, options: { offset: string }, target: FeedTarget) {
      attached.push({ stream, offset: options.offset, target });
    },
  } as unknown as StreamHub;
  return { hub, attached };
}

const page = (records: unknown[], nextOffset: string, upToDate = true): ChatPage => ({ records, nextOffset, upToDate });
const rec = (n: number) => ({ chatId: "c", n });

function view(hub: StreamHub, extra: Partial<Parameters<typeof pipeSseView>[1]> = {}) {
  return { hub, stream: "s", chatId: "c", key: "chat:c", offset: "o0", publicOffset: (o: string) => `p_${o}`, heartbeats: createHeartbeats({ intervalMs: 60_000 }), retryMs: 1_000, ...extra };
}

describe("a live SSE tail", () => {
  it("writes the retry hint, the catch-up page, then the hub's pages in order, each data frame with its control frame", async () => {
    const { sink, written, records, clientLeaves } = recordingSink();
    const { hub, attached } = pushingHub();
    const done = pipeSseView(sink, view(hub, { first: { records: [rec(1)], nextOffset: "o1", upToDate: true } }));
    expect(attached).toHaveLength(1);
    expect(attached[0]!.offset).toBe("o1"); // attached where the catch-up ended
    attached[0]!.target.push(page([rec(2), rec(3)], "o3"));
    await Promise.resolve();
    attached[0]!.target.push(page([rec(4)], "o4"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(written[0]).toBe("retry: 1000\n\n");
    expect(records()).toEqual([rec(1), rec(2), rec(3), rec(4)]);
    expect(written.at(-1)).toBe(`event: data\ndata: ${JSON.stringify([rec(4)])}\nid: p_o4\n\nevent: control\ndata: {"streamNextOffset":"p_o4","upToDate":true}\nid: p_o4\n\n`);
    clientLeaves();
    await expect(done).resolves.toBeUndefined();
    expect(attached[0]!.target.ended).toBe(true); // the hub detaches it
  });

  it("queues pages while the client's connection is full and sends them in order once it drains", async () => {
    const { sink, records, full, drain, clientLeaves } = recordingSink();
    const { hub, attached } = pushingHub(10);
    const done = pipeSseView(sink, view(hub));
    const target = attached[0]!.target;
    full();
    target.push(page([rec(1)], "o1"));
    target.push(page([rec(2), rec(3)], "o3"));
    target.push(page([rec(4)], "o4"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(records()).toEqual([rec(1)]); // the rest waits for the drain
    drain();
    await new Promise((resolve) => setImmediate(resolve));
    expect(records()).toEqual([rec(1), rec(2), rec(3), rec(4)]);
    expect(target.ended).toBe(false);
    clientLeaves();
    await done;
  });

  it("ends with TailOverrunError when more than the hub's bound of events waits on a full connection", async () => {
    const { sink, full } = recordingSink();
    const { hub, attached } = pushingHub(5);
    const done = pipeSseView(sink, view(hub));
    const target = attached[0]!.target;
    full();
    target.push(page([rec(1)], "o1")); // being written
    target.push(page([rec(2), rec(3), rec(4)], "o4"));
    target.push(page([rec(5), rec(6)], "o6"));
    expect(target.ended).toBe(false); // 5 waiting: at the bound
    target.push(page([rec(7)], "o7"));
    expect(target.ended).toBe(true);
    await expect(done).rejects.toBeInstanceOf(TailOverrunError);
  });

  it("ends after the page that deletes the chat, and a catch-up that already holds it never attaches", async () => {
    const deleted = { chatId: "c", type: EVENT_TYPE.chatDeleted };
    const live = recordingSink();
    const { hub, attached } = pushingHub();
    const done = pipeSseView(live.sink, view(hub));
    attached[0]!.target.push(page([deleted], "o1"));
    await expect(done).resolves.toBeUndefined();
    expect(live.written.at(-1)).toContain('"streamClosed":true');

    const caughtUp = recordingSink();
    const other = pushingHub();
    await pipeSseView(caughtUp.sink, view(other.hub, { first: { records: [rec(1), deleted], nextOffset: "o2", upToDate: true } }));
    expect(other.attached).toHaveLength(0);
    expect(caughtUp.written.at(-1)).toContain('"streamClosed":true');
  });

  it("ends when its session is revoked, and stops watching when it ends otherwise", async () => {
    const { sink } = recordingSink();
    const { hub, attached } = pushingHub();
    let revoke: (() => void) | undefined;
    let watching = 0;
    const watchRevocation = (end: () => void) => {
      revoke = end;
      watching++;
      return () => void watching--;
    };
    const done = pipeSseView(sink, view(hub, { watchRevocation }));
    expect(watching).toBe(1);
    revoke!();
    await expect(done).resolves.toBeUndefined();
    expect(attached[0]!.target.ended).toBe(true);
    expect(watching).toBe(0);

    const second = recordingSink();
    const done2 = pipeSseView(second.sink, view(pushingHub().hub, { watchRevocation }));
    second.clientLeaves();
    await done2;
    expect(watching).toBe(0);
  });

  it("ends at once, and stops watching, when the session is found revoked as the watch begins", async () => {
    let watching = 0;
    const watchRevocation = (end: () => void) => {
      watching++;
      end();
      return () => void watching--;
    };
    const { hub, attached } = pushingHub();
    await expect(pipeSseView(recordingSink().sink, view(hub, { watchRevocation }))).resolves.toBeUndefined();
    expect(attached).toHaveLength(0);
    expect(watching).toBe(0);
  });

  it("ends quietly when its stream is deleted (404), and fails with any other upstream error", async () => {
    const gone = pushingHub();
    const quiet = pipeSseView(recordingSink().sink, view(gone.hub));
    gone.attached[0]!.target.end(new StreamsError({ status: 404, code: "stream_not_found", method: "GET", path: "/s" }));
    await expect(quiet).resolves.toBeUndefined();

    const broken = pushingHub();
    const failing = pipeSseView(recordingSink().sink, view(broken.hub));
    broken.attached[0]!.target.end(new Error("the tier went away"));
    await expect(failing).rejects.toThrow("the tier went away");
  });

  it("pings while idle, not while its connection is full, and stops pinging once it ended", () => {
    const beats: Array<() => void> = [];
    let stopped = 0;
    const heartbeats = { size: 0, add: (beat: () => void) => (beats.push(beat), () => void stopped++) };
    const { sink, written, full, clientLeaves } = recordingSink();
    const { hub, attached } = pushingHub();
    void pipeSseView(sink, view(hub, { heartbeats }));
    beats[0]!();
    expect(written.at(-1)).toBe(": ping\n\n");
    full();
    attached[0]!.target.push(page([rec(1)], "o1"));
    const count = written.length;
    beats[0]!();
    expect(written).toHaveLength(count);
    clientLeaves();
    expect(stopped).toBe(1);
  });

  it("ends quietly when a ping cannot be written (the client is gone)", async () => {
    const beats: Array<() => void> = [];
    const heartbeats = { size: 0, add: (beat: () => void) => (beats.push(beat), () => undefined) };
    const sink: SseSink = { write: (text) => (text.startsWith(":") ? Promise.reject(new Error("socket closed")) : Promise.resolve()), onAbort: () => undefined };
    const { hub, attached } = pushingHub();
    const done = pipeSseView(sink, view(hub, { heartbeats }));
    beats[0]!();
    await expect(done).resolves.toBeUndefined();
    expect(attached[0]!.target.ended).toBe(true);
  });
});
