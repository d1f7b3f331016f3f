/**
 * live() over this process's own append notices (src/streams/client/append-notices.ts), on the
 * real embedded streams-local: each append or deletion wakes the read, an idle stream costs no
 * request at all, and an abort ends the read.
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
  it("wakes a live read on each append, with exactly the new records, and reads nothing while idle", async () => {
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
    expect(reads()).toBe(readsWhileIdle + 1); // one read per wake-up, none while parked
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
});
