/**
 * Parked upstream reads (src/log/stream-hub.ts with src/streams/wake/) against the Bun
 * streams-server: a quiet user stream's live read is closed while its tails stay open, and a
 * writer's wake notice (or the re-check, or a gap in the notices) makes the hub read it again —
 * every tail still gets exactly the records after its offset, none twice, none missed.
 *
 * Parking is driven by the hub's clock (`now`) and `sweep()`, not by waiting: the tests move the
 * clock past `parkAfterMs` and sweep.
 */
import { startTcpProxy } from "@open-chat/testing";
import { afterEach, describe, expect, it } from "vitest";
import { chatKey } from "../src/log/stream-names.js";
import { createStreamHub } from "../src/log/stream-hub.js";
import { StreamsError } from "../src/streams/client/errors.js";
import type { StreamsClient } from "../src/streams/client/types.js";
import { startWakeListener, type WakeListener } from "../src/streams/wake/wake-listener.js";
import { withWakeNotices } from "../src/streams/wake/wake-notices.js";
import { WAKE_BUCKET_MS, WAKE_TTL_SECONDS, wakeBucket, wakeStreamName, wokenStreams } from "../src/streams/wake/wake-streams.js";
import { collectGarbage } from "./helpers/gc.js";
import { countingLiveReads, follower, recs } from "./helpers/hub-followers.js";
import { streamsBackendKinds, uniqueStreamName, useStreamsBackend } from "./helpers/streams.js";

const PARK_AFTER_MS = 1_000;
const RECHECK_MS = 60_000;

describe.runIf(streamsBackendKinds().includes("bun-server"))("parked upstream reads, Bun streams-server", () => {
  const backend = useStreamsBackend("bun-server");
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  /** A hub on its own clock over a wake listener that is following its notices; `onLiveRead` sees each upstream live read's options. */
  async function parkingHub(options: { listenerClient?: StreamsClient; onLiveRead?: (read: Parameters<StreamsClient["live"]>[1]) => void } = {}) {
    const wakes = startWakeListener({ streams: options.listenerClient ?? backend().client(), onError: () => {} });
    closers.push(() => wakes.close());
    await wakes.ready();
    const counted = countingLiveReads(backend().client());
    const { onLiveRead } = options;
    const live: StreamsClient["live"] = onLiveRead ? (name, read) => (onLiveRead(read), counted.client.live(name, read)) : counted.client.live;
    let clock = 0;
    const hub = createStreamHub({ streams: { read: counted.client.read, live }, upstream: "live", longPollMs: 1_000, wakes, parkAfterMs: PARK_AFTER_MS, parkRecheckMs: RECHECK_MS, now: () => clock });
    return {
      hub,
      wakes,
      counted,
      /** Moves the hub's clock on by `ms` and sweeps. */
      later(ms: number) {
        clock += ms;
        hub.sweep();
      },
    };
  }

  /** The user stream with three records of chat a, and a writer whose appends send wake notices. */
  async function streamWithRecords() {
    const writer = withWakeNotices(backend().client(), { quietMs: 0 });
    const stream = uniqueStreamName("park");
    await writer.ensureStream(stream);
    await writer.append(stream, recs("a", 0, 3), { key: chatKey("a") });
    return { writer, stream };
  }

  /** One tail of chat a, caught up on its three records, whose upstream read is parked. */
  async function oneParkedTail() {
    const { writer, stream } = await streamWithRecords();
    const { hub, wakes, later } = await parkingHub();
    const tail = follower(hub, stream, "a");
    await tail.has(3);
    later(PARK_AFTER_MS);
    expect(hub.stats().parked).toBe(1);
    return { writer, stream, hub, wakes, later, tail };
  }

  it("a quiet stream's live read is closed; a writer's append wakes it and every tail gets exactly the rest", async () => {
    const { writer, stream } = await streamWithRecords();
    const { hub, counted, later } = await parkingHub();
    const tails = Array.from({ length: 4 }, () => follower(hub, stream, "a"));
    const other = follower(hub, stream, "b");
    await Promise.all(tails.map((t) => t.has(3)));
    await waitUntil(() => hub.stats().attached === 5);

    later(PARK_AFTER_MS - 1);
    expect(hub.stats().parked).toBe(0); // not quiet for long enough yet
    later(1);
    expect(hub.stats()).toEqual({ upstreams: 1, attached: 5, parked: 1 });
    await counted.idle(); // the tier's SSE response is closed, not left open

    for (let round = 0; round < 3; round++) {
      await writer.append(stream, recs("a", 3 + round * 2, 2), { key: chatKey("a") });
      await writer.append(stream, recs("b", round, 1), { key: chatKey("b") });
      await Promise.all(tails.map((t) => t.has(5 + round * 2)));
      await other.has(round + 1);
      later(PARK_AFTER_MS); // quiet again: parked again before the next round
      expect(hub.stats().parked).toBe(1);
    }
    for (const tail of tails) expect(tail.records).toEqual(recs("a", 0, 9));
    expect(other.records).toEqual(recs("b", 0, 3));
    expect(counted.most).toBe(1); // never two upstream reads of one stream
    await Promise.all([...tails, other].map((t) => t.stop()));
    expect(hub.stats()).toEqual({ upstreams: 0, attached: 0, parked: 0 });
  });

  it("a parked stream keeps nothing of its closed live read (held for hours by every quiet stream)", async () => {
    const { stream } = await streamWithRecords();
    const readSignals: Array<WeakRef<AbortSignal>> = [];
    const { hub, counted, later } = await parkingHub({ onLiveRead: (read) => read?.signal && readSignals.push(new WeakRef(read.signal)) });
    const tail = follower(hub, stream, "a");
    await tail.has(3);
    later(PARK_AFTER_MS);
    expect(hub.stats().parked).toBe(1);
    await counted.idle();

    expect(readSignals).toHaveLength(1);
    await collectGarbage();
    expect(readSignals[0]!.deref()).toBeUndefined();
    await tail.stop();
  });

  it("an append that sent no notice is found at the re-check", async () => {
    const { writer, stream, later, tail } = await oneParkedTail();
    await backend().client().append(stream, recs("a", 3, 2), { key: chatKey("a") }); // no wake notice
    later(RECHECK_MS);
    await tail.has(5);
    expect(tail.records).toEqual(recs("a", 0, 5));
    await writer.flushed();
    await tail.stop();
  });

  it("this process's own append wakes its parked readers without waiting for the notice's round trip", async () => {
    const { stream, hub, wakes, tail } = await oneParkedTail();
    // Every wake notice this writer sends never arrives: only the direct, in-process wake is left.
    const client = backend().client();
    const lostNotices: StreamsClient = { ...client, append: (name, records, options) => (name === stream ? client.append(name, records, options) : new Promise<never>(() => {})) };
    const writer = withWakeNotices(lostNotices, { quietMs: 0, local: wakes });

    await writer.append(stream, recs("a", 3, 2), { key: chatKey("a") });
    await tail.has(5);
    expect(tail.records).toEqual(recs("a", 0, 5));
    expect(hub.stats().parked).toBe(0);
    await tail.stop();
  });

  it("a tail that read past a parked upstream's position wakes it to attach", async () => {
    const { stream, hub, tail: first } = await oneParkedTail();
    const silent = backend().client();
    await silent.append(stream, recs("a", 3, 2), { key: chatKey("a") }); // no notice: the hub does not know

    const joiner = follower(hub, stream, "a"); // catches up to 5 on its own reads, then must attach
    await joiner.has(5);
    await first.has(5);
    await silent.append(stream, recs("a", 5, 1), { key: chatKey("a") }); // the upstream is live again
    await Promise.all([first.has(6), joiner.has(6)]);
    expect(first.records).toEqual(recs("a", 0, 6));
    expect(joiner.records).toEqual(recs("a", 0, 6));
    await Promise.all([first.stop(), joiner.stop()]);
  });

  it("a stream deleted while parked ends its tails with the tier's 404", async () => {
    const { writer, stream, hub, tail } = await oneParkedTail();
    await writer.deleteStream(stream);
    await tail.ended;
    expect(tail.failure).toBeInstanceOf(StreamsError);
    expect((tail.failure as StreamsError).status).toBe(404);
    expect(hub.stats().upstreams).toBe(0);
  });

  it("a gap in the notices sends parked streams back to a live read", async () => {
    const { stream } = await streamWithRecords();
    const proxy = await startTcpProxy(backend().url);
    closers.push(() => proxy.close());
    const { hub, wakes, counted, later } = await parkingHub({ listenerClient: backend().client({ baseUrl: proxy.url }) });
    const tail = follower(hub, stream, "a");
    await tail.has(3);
    later(PARK_AFTER_MS);
    expect(hub.stats().parked).toBe(1);
    await counted.idle();

    await proxy.refuse(); // the listener's read fails: notices could now come late
    await waitUntil(() => hub.stats().parked === 0);
    expect(wakes.healthy).toBe(false);
    later(PARK_AFTER_MS);
    expect(hub.stats().parked).toBe(0); // no parking while notices cannot be trusted
    await backend().client().append(stream, recs("a", 3, 1), { key: chatKey("a") });
    await tail.has(4); // through the live read
    expect(tail.records).toEqual(recs("a", 0, 4));
    await tail.stop();
  });
});

describe.runIf(streamsBackendKinds().includes("bun-server"))("wake notices, Bun streams-server", () => {
  const backend = useStreamsBackend("bun-server");

  /** Every stream named in the hour's wake stream from `offset`, in order. */
  async function noticesSince(offset: string, at: number): Promise<{ names: string[]; next: string }> {
    const page = await backend().client().read(wakeStreamName(wakeBucket(at)), { offset });
    return { names: page.records.flatMap((r) => [...wokenStreams(r)]), next: page.nextOffset };
  }

  it("announces a stream once per quiet spell, after its append, in the hour's wake stream", async () => {
    // The current hour's start: the minute this test moves its clock on stays in one wake stream
    // whatever the time of day (from Date.now(), a run in an hour's last minute read the wrong one).
    let clock = wakeBucket(Date.now()) * WAKE_BUCKET_MS + 1_000;
    const notices = withWakeNotices(backend().client(), { quietMs: 30_000, now: () => clock });
    const stream = uniqueStreamName("wake");
    await notices.ensureStream(stream);
    await notices.ensureStream(wakeStreamName(wakeBucket(clock)), { ttlSeconds: WAKE_TTL_SECONDS });
    const start = (await backend().client().read(wakeStreamName(wakeBucket(clock)), { offset: "now" })).nextOffset;

    await notices.append(stream, [{ n: 1 }]);
    await notices.flushed();
    let seen = await noticesSince(start, clock);
    expect(seen.names.filter((n) => n === stream)).toHaveLength(1);

    clock += 29_999; // within the quiet spell: no second notice
    await notices.append(stream, [{ n: 2 }]);
    await notices.flushed();
    expect((await noticesSince(seen.next, clock)).names).not.toContain(stream);

    clock += 30_000; // quiet for 30 s since the last append
    await notices.append(stream, [{ n: 3 }]);
    await notices.flushed();
    seen = await noticesSince(seen.next, clock);
    expect(seen.names.filter((n) => n === stream)).toHaveLength(1);
  });

  it("the listener wakes a watcher for a notice in the next hour's stream after the hour turns", async () => {
    const bucketMs = 400; // hours of 400 ms: the turn comes while the test waits
    const listener = startWakeListener({ streams: backend().client(), bucketMs, graceMs: bucketMs, onError: () => {} });
    try {
      await listener.ready();
      const woken = Promise.withResolvers<void>();
      const stream = uniqueStreamName("turn");
      listener.watch(stream, () => woken.resolve());
      const next = wakeStreamName(wakeBucket(Date.now(), bucketMs) + 1);
      await backend().client().ensureStream(next, { ttlSeconds: WAKE_TTL_SECONDS });
      await backend().client().append(next, [{ wake: [stream] }]); // written before the listener reads it
      await woken.promise;
    } finally {
      listener.close();
    }
  });

  it("refuses a TTL that is not a positive whole number of seconds", async () => {
    const client = backend().client();
    await expect(client.ensureStream(uniqueStreamName("ttl"), { ttlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(client.ensureStream(uniqueStreamName("ttl"), { ttlSeconds: 1.5 })).rejects.toThrow(RangeError);
  });
});


/** Polls `condition` every few ms until it holds (the test's timeout is the failure). */
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
