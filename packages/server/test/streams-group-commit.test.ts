import { describe, expect, it } from "vitest";
import { StreamsError } from "../src/streams/client/errors.js";
import { createGroupCommitAppender, splitBySize, type GroupCommitAppender, type GroupCommitTimer } from "../src/streams/client/group-commit.js";
import { holdAppends, type HeldAppends } from "./helpers/held-appends.js";
import { forEachStreamsBackend, readAll, startLoopbackProxy, uniqueStreamName } from "./helpers/streams.js";

/** Yields to the event loop (I/O included) — a token arriving from the network, not a sleep. */
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

type Delta = { type: "delta"; text: string };

/** Merges consecutive deltas into one (what the generator does with text deltas). */
const mergeDeltas = (buffered: Delta[]): Delta[] => [{ type: "delta", text: buffered.map((d) => d.text).join("") }];

/**
 * Pushes `items` one per event-loop turn while every append is held in flight until `window`
 * more items were pushed: the first append carries item 0, each later one exactly the `window`
 * items pushed while its predecessor was in flight, the last one the rest. How fast the
 * machine is changes none of that.
 */
async function pushWhileHeld<T>(appender: GroupCommitAppender<T>, held: HeldAppends, items: readonly T[], window: number): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    appender.push(items[i]!);
    await nextTick();
    if (i % window !== 0) continue;
    if (i > 0) held.release();
    await held.started(i / window + 1);
  }
  held.open();
}

/** The batch sizes `pushWhileHeld` produces. */
const heldBatchSizes = (count: number, window: number) => [1, ...Array.from({ length: Math.floor((count - 1) / window) }, () => window), (count - 1) % window].filter((n) => n > 0);

/** A clock that only moves when the test says so; `sleep` waits for `advance`. */
function manualTimer() {
  let now = 0;
  const sleeps: Array<{ ms: number; wake: () => void }> = [];
  const asked = { next: Promise.withResolvers<void>() };
  const timer: GroupCommitTimer = {
    now: () => now,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        sleeps.push({ ms, wake });
        asked.next.resolve();
      }),
  };
  return {
    timer,
    sleeps,
    /** Resolves once the appender asked to sleep. */
    asked: () => asked.next.promise,
    /** Moves the clock by `ms` and wakes every sleeper. */
    advance(ms: number) {
      now += ms;
      asked.next = Promise.withResolvers<void>();
      for (const sleeper of sleeps.splice(0)) sleeper.wake();
    },
  };
}

forEachStreamsBackend((backend, kind) => {
  it("sends 1000 quickly pushed records in far fewer appends, in order, exactly once", async () => {
    const client = backend().client();
    const stream = uniqueStreamName("gc");
    await client.ensureStream(stream);
    const held = holdAppends(client);
    const appender = createGroupCommitAppender<{ i: number }>({ client: held.client, stream, key: "chat:1", producerId: "gen:1" });
    const records = 1000;
    await pushWhileHeld(appender, held, Array.from({ length: records }, (_, i) => ({ i })), 100);
    await appender.close();
    console.info(`[group commit, ${kind}] ${records} records -> ${appender.appends} appends`);
    // Everything pushed while one append was in flight went out as the next single append.
    expect(held.batches.map((batch) => batch.length)).toEqual(heldBatchSizes(records, 100));
    expect(appender.appends).toBeGreaterThan(1);
    expect(appender.appends).toBeLessThan(records / 10);
    expect(appender.nextSeq).toBe(appender.appends);
    expect(appender.retries).toBe(0);
    const log = (await readAll(client, stream, "chat:1")) as { i: number }[];
    expect(log.map((r) => r.i)).toEqual(Array.from({ length: records }, (_, i) => i));
    const tail = await client.read(stream, { offset: appender.lastOffset!, key: "chat:1" });
    expect(tail.records).toEqual([]);
  });

  it("coalesces each buffered batch: the log holds merged records whose text is the input", async () => {
    const client = backend().client();
    const stream = uniqueStreamName("gc-coalesce");
    await client.ensureStream(stream);
    const held = holdAppends(client);
    const appender = createGroupCommitAppender<Delta>({
      client: held.client,
      stream,
      key: "chat:1",
      producerId: "gen:coalesce",
      coalesce: mergeDeltas,
    });
    const pieces = Array.from({ length: 500 }, (_, i) => `t${i} `);
    await pushWhileHeld(appender, held, pieces.map((text): Delta => ({ type: "delta", text })), 50);
    await appender.flush();
    expect(held.batches.every((batch) => batch.length === 1)).toBe(true); // each batch merged into one record
    const log = (await readAll(client, stream, "chat:1")) as Delta[];
    console.info(`[group commit, ${kind}] 500 deltas -> ${log.length} merged records in ${appender.appends} appends`);
    expect(log.length).toBe(appender.appends);
    expect(log.length).toBeLessThan(pieces.length / 10);
    expect(log.map((d) => d.text).join("")).toBe(pieces.join(""));
  });

  it("holds the next append for minIntervalMs, coalescing everything pushed meanwhile", async () => {
    const client = backend().client();
    const stream = uniqueStreamName("gc-interval");
    await client.ensureStream(stream);
    // The appender's clock is the test's: the window ends only when the test moves the clock,
    // after every push below, so the count does not depend on speed.
    const clock = manualTimer();
    const appender = createGroupCommitAppender<Delta>({ client, stream, key: "chat:1", producerId: "gen:interval", minIntervalMs: 1_000, coalesce: mergeDeltas, timer: clock.timer });
    appender.push({ type: "delta", text: "first " });
    await appender.flush(); // the first append is not held
    for (let i = 0; i < 50; i++) {
      appender.push({ type: "delta", text: `${i} ` });
      await nextTick();
    }
    await clock.asked();
    expect(clock.sleeps.map((s) => s.ms)).toEqual([1_000]); // held for the whole window: no time has passed
    expect(appender.appends).toBe(1);
    clock.advance(1_000);
    await appender.close();
    expect(appender.appends).toBe(2);
    const log = (await readAll(client, stream, "chat:1")) as Delta[];
    expect(log.map((d) => d.text)).toEqual(["first ", Array.from({ length: 50 }, (_, i) => `${i} `).join("")]);
  });

  it("flush resolves for what was pushed so far; maxBatchBytes splits a big batch into several appends", async () => {
    const client = backend().client();
    const stream = uniqueStreamName("gc-split");
    await client.ensureStream(stream);
    const appender = createGroupCommitAppender<string>({ client, stream, key: "k", producerId: "p", maxBatchBytes: 1024 });
    await appender.flush(); // nothing pushed: resolves at once
    const big = "x".repeat(300);
    for (let i = 0; i < 10; i++) appender.push(`${i}${big}`); // one synchronous burst: one batch of ~3 KB
    await appender.flush();
    expect(appender.appends).toBe(4); // 3 records (~903 bytes) per append
    expect((await readAll(client, stream)).map((r) => (r as string)[0])).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  });

  it("retries a lost response with the same seq, so each record is in the log exactly once", async () => {
    const stream = uniqueStreamName("gc-retry");
    await backend().client().ensureStream(stream);
    const seqs: string[] = [];
    let dropped = false;
    const proxy = await startLoopbackProxy({
      target: backend().url,
      onRequest: (req) => {
        if (req.method === "POST") seqs.push(String(req.headers["producer-seq"]));
      },
      plan: (req) => {
        if (req.method !== "POST" || dropped) return "forward";
        dropped = true;
        return "drop-response";
      },
    });
    try {
      const client = backend().client({ baseUrl: proxy.url });
      const appender = createGroupCommitAppender<{ i: number }>({
        client,
        stream,
        key: "chat:1",
        producerId: "gen:retry",
        retry: { baseDelayMs: 5 },
      });
      for (let i = 0; i < 50; i++) {
        appender.push({ i });
        await nextTick();
      }
      await appender.close();
      expect(proxy.dropped).toBe(1);
      expect(appender.retries).toBeGreaterThanOrEqual(1);
      expect(seqs[0]).toBe("0");
      expect(seqs[1]).toBe("0"); // the retry reused the seq of the lost append
      const log = (await readAll(backend().client(), stream, "chat:1")) as { i: number }[];
      expect(log.map((r) => r.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    } finally {
      await proxy.close();
    }
  });

  it("treats a seq gap as fatal: flush rejects, onError fires once, push throws", async () => {
    const client = backend().client();
    const stream = uniqueStreamName("gc-gap");
    await client.ensureStream(stream);
    await client.append(stream, ["first"], { producer: { id: "gen:gap", epoch: 0, seq: 0 } });
    const errors: unknown[] = [];
    const appender = createGroupCommitAppender<string>({
      client,
      stream,
      key: "k",
      producerId: "gen:gap",
      startSeq: 2,
      onError: (e) => errors.push(e),
    });
    appender.push("skips seq 1");
    await expect(appender.flush()).rejects.toMatchObject({ code: "producer_seq_gap", expectedSeq: 1 });
    expect(errors).toHaveLength(1);
    expect(() => appender.push("more")).toThrow(StreamsError);
    await expect(appender.close()).rejects.toBeInstanceOf(StreamsError);
    expect(await readAll(client, stream)).toEqual(["first"]);
  });

  it("is fenced off by a newer epoch of the same producer (lease takeover)", async () => {
    const client = backend().client();
    const stream = uniqueStreamName("gc-epoch");
    await client.ensureStream(stream);
    const old = createGroupCommitAppender<string>({ client, stream, key: "k", producerId: "gen:m1", epoch: 0 });
    old.push("old-0");
    await old.flush();
    const taker = createGroupCommitAppender<string>({ client, stream, key: "k", producerId: "gen:m1", epoch: 1 });
    taker.push("new-0");
    await taker.flush();
    old.push("old-1");
    await expect(old.flush()).rejects.toMatchObject({ code: "producer_stale_epoch", status: 403 });
    expect(await readAll(client, stream)).toEqual(["old-0", "new-0"]);
  });
});

describe("splitBySize", () => {
  it("keeps order, respects the byte budget and sends an oversized record alone", () => {
    const chunks = splitBySize(["aa", "bb", "c".repeat(50), "dd"], 16);
    expect(chunks).toEqual([["aa", "bb"], ["c".repeat(50)], ["dd"]]);
    for (const chunk of chunks) {
      if (chunk.length > 1) expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThanOrEqual(16);
    }
    expect(splitBySize([], 16)).toEqual([]);
  });
});
