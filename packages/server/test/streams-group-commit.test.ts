import { describe, expect, it } from "vitest";
import { StreamsError } from "../src/streams/errors.js";
import { createGroupCommitAppender, splitBySize } from "../src/streams/group-commit.js";
import { forEachStreamsBackend, readAll, startLoopbackProxy, uniqueStreamName } from "./helpers/streams.js";

/** Yields to the event loop (I/O included) — a token arriving from the network, not a sleep. */
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

type Delta = { type: "delta"; text: string };

/** Merges consecutive deltas into one (what the generator does with text deltas). */
const mergeDeltas = (buffered: Delta[]): Delta[] => [{ type: "delta", text: buffered.map((d) => d.text).join("") }];

forEachStreamsBackend((backend, kind) => {
  it("sends 1000 quickly pushed records in far fewer appends, in order, exactly once", async () => {
    const client = backend().client();
    const stream = uniqueStreamName("gc");
    await client.ensureStream(stream);
    const appender = createGroupCommitAppender<{ i: number }>({ client, stream, key: "chat:1", producerId: "gen:1" });
    const records = 1000;
    for (let i = 0; i < records; i++) {
      appender.push({ i });
      await nextTick();
    }
    await appender.close();
    console.info(`[group commit, ${kind}] ${records} records -> ${appender.appends} appends`);
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
    const appender = createGroupCommitAppender<Delta>({
      client,
      stream,
      key: "chat:1",
      producerId: "gen:coalesce",
      coalesce: mergeDeltas,
    });
    const pieces = Array.from({ length: 500 }, (_, i) => `t${i} `);
    for (const text of pieces) {
      appender.push({ type: "delta", text });
      await nextTick();
    }
    await appender.flush();
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
    // A window far longer than the pushes below take, so the count does not depend on speed.
    const appender = createGroupCommitAppender<Delta>({ client, stream, key: "chat:1", producerId: "gen:interval", minIntervalMs: 1_000, coalesce: mergeDeltas });
    appender.push({ type: "delta", text: "first " });
    await appender.flush(); // the first append is not held
    for (let i = 0; i < 50; i++) {
      appender.push({ type: "delta", text: `${i} ` });
      await nextTick();
    }
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
