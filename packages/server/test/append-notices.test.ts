/**
 * live() over this process's own append notices (src/streams/client/append-notices.ts), on the
 * real embedded streams-local: each append or deletion wakes the read, an idle stream costs no
 * request at all, an append that follows the reader's position arrives without a read — exactly
 * the records a read would have returned — and whenever that is not certain the reader reads.
 */
import { describe, expect, it } from "vitest";
import { withAppendNotices } from "../src/streams/client/append-notices.js";
import type { ReadResult, StreamsClient } from "../src/streams/client/types.js";
import { uniqueStreamName, useStreamsBackend } from "./helpers/streams.js";

const backend = useStreamsBackend("embedded");

/** The embedded client, counting its reads. */
function counting(): { client: StreamsClient; reads: () => number } {
  const inner = backend().client();
  let reads = 0;
  return {
    client: { ...inner, read: (name, options) => (reads++, inner.read(name, options)) },
    reads: () => reads,
  };
}

describe("withAppendNotices", () => {
  it("wakes a live read on each append with exactly the new records, reading nothing while idle nor for an append that follows it", async () => {
    const { client: inner, reads } = counting();
    const streams = withAppendNotices(inner);
    const stream = uniqueStreamName("notices");
    await streams.ensureStream(stream);
    await streams.append(stream, [{ n: 0 }]);
    const abort = new AbortController();
    const pages = streams.live(stream, { offset: "-1", signal: abort.signal })[Symbol.asyncIterator]();
    expect((await pages.next()).value).toMatchObject({ records: [{ n: 0 }], upToDate: true });
    const waiting = pages.next(); // parked until the next append
    const readsWhileIdle = reads();
    await streams.append(stream, [{ n: 1 }, { n: 2 }]);
    const next = ((await waiting).value as ReadResult);
    expect(next).toMatchObject({ records: [{ n: 1 }, { n: 2 }], upToDate: true });
    expect(reads()).toBe(readsWhileIdle); // the append itself was the page: the reader stood at the stream's end
    // What the tier holds after the reader's position is exactly that page.
    const { records, nextOffset } = await inner.read(stream, { offset: "-1" });
    expect(records.slice(1)).toEqual(next.records);
    expect(next.nextOffset).toBe(nextOffset);
    const parked = pages.next();
    abort.abort();
    expect((await parked).done).toBe(true);
  });

  it("ends the read with the tier's 404 when the stream is deleted", async () => {
    const streams = withAppendNotices(backend().client());
    const stream = uniqueStreamName("notices");
    await streams.ensureStream(stream);
    const pages = streams.live(stream)[Symbol.asyncIterator]();
    expect((await pages.next()).value).toMatchObject({ records: [], upToDate: true });
    const waiting = pages.next();
    await streams.deleteStream(stream);
    await expect(waiting).rejects.toMatchObject({ status: 404 });
  });

  it("reads again when an append lands while a read is in flight", async () => {
    const inner = backend().client();
    const stream = uniqueStreamName("notices");
    let streams!: StreamsClient;
    let appendDuringRead = true;
    const slow: StreamsClient = {
      ...inner,
      async read(name, options) {
        const page = await inner.read(name, options);
        if (appendDuringRead) {
          appendDuringRead = false;
          await streams.append(stream, [{ n: "raced" }]); // lands after this read saw the end
        }
        return page;
      },
    };
    streams = withAppendNotices(slow);
    await streams.ensureStream(stream);
    const pages = streams.live(stream)[Symbol.asyncIterator]();
    expect((await pages.next()).value).toMatchObject({ records: [], upToDate: true });
    expect((await pages.next()).value).toMatchObject({ records: [{ n: "raced" }] }); // not parked past it
    await pages.return?.(undefined);
  });

  it("reads when appends to one stream overlap: the reader gets every record once, in the log's order", async () => {
    const inner = backend().client();
    // The first append's acknowledgement is held back until the second append has been acknowledged.
    const secondDone = Promise.withResolvers<void>();
    let appends = 0;
    const held: StreamsClient = {
      ...inner,
      async append(name, records, options) {
        const n = ++appends;
        const result = await inner.append(name, records, options);
        if (n === 1) await secondDone.promise;
        if (n === 2) secondDone.resolve();
        return result;
      },
    };
    const streams = withAppendNotices(held);
    const stream = uniqueStreamName("notices");
    await inner.ensureStream(stream);
    const pages = streams.live(stream)[Symbol.asyncIterator]();
    expect((await pages.next()).value).toMatchObject({ records: [], upToDate: true }); // the reader knows the end
    const first = streams.append(stream, [{ n: 1 }]);
    await streams.append(stream, [{ n: 2 }, { n: 3 }]); // stored after the first, acknowledged before it
    await first;
    const seen: unknown[] = [];
    while (seen.length < 3) seen.push(...((await pages.next()).value as ReadResult).records);
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await pages.return?.(undefined);
  });

  it("follows appends from several writers at once: every record once, in the log's order", async () => {
    const streams = withAppendNotices(backend().client());
    const stream = uniqueStreamName("notices");
    await streams.ensureStream(stream);
    const abort = new AbortController();
    const seen: unknown[] = [];
    const following = (async () => {
      for await (const page of streams.live(stream, { signal: abort.signal })) {
        seen.push(...page.records);
        if (seen.length === 60) abort.abort();
      }
    })();
    await Promise.all(
      [0, 1, 2].map(async (writer) => {
        for (let i = 0; i < 10; i++) await streams.append(stream, [{ writer, i, part: 0 }, { writer, i, part: 1 }]);
      }),
    );
    await following;
    expect(seen).toEqual((await streams.read(stream, { offset: "-1" })).records);
  });

  it("hands a reader that joins at an earlier offset the kept pages one after another, up to the end", async () => {
    const { client: inner, reads } = counting();
    const streams = withAppendNotices(inner);
    const stream = uniqueStreamName("notices");
    await streams.ensureStream(stream);
    const first = streams.live(stream)[Symbol.asyncIterator]();
    const start = (await first.next()).value as ReadResult;
    for (const n of [1, 2]) {
      const waiting = first.next();
      await streams.append(stream, [{ n }]);
      expect(((await waiting).value as ReadResult).records).toEqual([{ n }]);
    }
    const readsBefore = reads();
    const late = streams.live(stream, { offset: start.nextOffset })[Symbol.asyncIterator]();
    expect((await late.next()).value).toMatchObject({ records: [{ n: 1 }], upToDate: false }); // more after it
    expect((await late.next()).value).toMatchObject({ records: [{ n: 2 }], upToDate: true });
    expect(reads()).toBe(readsBefore);
    await late.return?.(undefined);
    await first.return?.(undefined);
  });

  it("makes no page of a duplicate append (the idempotent producer's retry stores nothing)", async () => {
    const { client: inner, reads } = counting();
    const streams = withAppendNotices(inner);
    const stream = uniqueStreamName("notices");
    await streams.ensureStream(stream);
    const producer = { id: "p1", epoch: 0, seq: 0 };
    await streams.append(stream, [{ n: "once" }], { producer });
    const pages = streams.live(stream)[Symbol.asyncIterator]();
    expect((await pages.next()).value).toMatchObject({ records: [{ n: "once" }], upToDate: true });
    const waiting = pages.next();
    const readsBefore = reads();
    expect(await streams.append(stream, [{ n: "once" }], { producer })).toMatchObject({ duplicate: true });
    const after = (await waiting).value as ReadResult;
    expect(after.records).toEqual([]); // woken, read, nothing new
    expect(reads()).toBe(readsBefore + 1);
    await streams.append(stream, [{ n: "next" }], { producer: { ...producer, seq: 1 } });
    expect(((await pages.next()).value as ReadResult).records).toEqual([{ n: "next" }]);
    await pages.return?.(undefined);
  });

  it("forgets its pages when the stream is deleted and created anew (its offsets start over)", async () => {
    const { client: inner } = counting();
    const streams = withAppendNotices(inner);
    const stream = uniqueStreamName("notices");
    await streams.ensureStream(stream);
    const abort = new AbortController();
    const first = streams.live(stream, { signal: abort.signal })[Symbol.asyncIterator]();
    const empty = (await first.next()).value as ReadResult;
    expect(empty).toMatchObject({ records: [], upToDate: true });
    const firstWaiting = first.next();
    await streams.append(stream, [{ n: "old" }]); // a page that starts at the empty stream's end
    expect(((await firstWaiting).value as ReadResult).records).toEqual([{ n: "old" }]);

    // A second reader keeps the stream watched across the deletion, so its state would survive.
    const keeper = streams.live(stream, { offset: "now", signal: abort.signal })[Symbol.asyncIterator]();
    await keeper.next();
    await streams.deleteStream(stream);
    await expect(first.next()).rejects.toMatchObject({ status: 404 });
    await streams.ensureStream(stream);
    // The new stream's start is the old empty stream's end, offset for offset: the old page must not answer there.
    expect((await inner.read(stream, { offset: "-1" })).nextOffset).toBe(empty.nextOffset);
    const resumed = streams.live(stream, { offset: empty.nextOffset, signal: abort.signal })[Symbol.asyncIterator]();
    expect((await resumed.next()).value).toMatchObject({ records: [], upToDate: true });
    const resumedWaiting = resumed.next();
    await streams.append(stream, [{ n: "new" }]);
    expect(((await resumedWaiting).value as ReadResult).records).toEqual([{ n: "new" }]);
    abort.abort();
  });
});
