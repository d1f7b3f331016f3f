import { describe, expect, it } from "vitest";
import { createStreamsClient } from "../src/streams/client/http-client.js";
import { StreamsError } from "../src/streams/client/errors.js";
import { STREAMS_QUERY } from "../src/streams/client/wire.js";
import { deferred, forEachStreamsBackend, readAll, startLoopbackProxy, uniqueStreamName } from "./helpers/streams.js";

forEachStreamsBackend((backend, kind) => {
  // streams-local 0.1.11 crashes when a stream is deleted under an open SSE read: only the
  // remote tier is read over SSE (log/stream-hub.ts).
  describe.runIf(kind === "bun-server")("live (SSE)", () => {
    it("yields the same pages a catch-up read would, live as appends land, and keep-alive pages while idle", async () => {
      const client = backend().client();
      const stream = uniqueStreamName("user");
      await client.ensureStream(stream);
      await client.append(stream, [{ n: 1 }, { n: 2 }], { key: "chat:a" });
      const abort = new AbortController();
      const pages = client.live(stream, { offset: "-1", keepAliveMs: 50, signal: abort.signal })[Symbol.asyncIterator]();
      const first = (await pages.next()).value!;
      expect(first).toMatchObject({ records: [{ n: 1 }, { n: 2 }], upToDate: true });
      expect(first.nextOffset).toBe((await client.read(stream)).nextOffset);

      const appended = await client.append(stream, [[3, "an array record"]], { key: "chat:b" });
      let next = (await pages.next()).value!;
      while (next.records.length === 0) next = (await pages.next()).value!; // keep-alives may come first
      expect(next).toMatchObject({ records: [[3, "an array record"]], upToDate: true, nextOffset: appended.nextOffset });
      const idle = (await pages.next()).value!; // nothing appended: a keep-alive page at the same offset
      expect(idle).toMatchObject({ records: [], upToDate: true, nextOffset: appended.nextOffset });
      abort.abort();
      expect((await pages.next()).done).toBe(true);
    });

    it("reports a missing stream as stream_not_found", async () => {
      const pages = backend().client().live(uniqueStreamName("missing"))[Symbol.asyncIterator]();
      await expect(pages.next()).rejects.toMatchObject({ code: "stream_not_found", status: 404 });
    });
  });

  describe("round trip", () => {
    it("creates a stream once, appends per key, and reads with key filtering", async () => {
      const client = backend().client();
      const stream = uniqueStreamName("user");
      expect(await client.ensureStream(stream)).toEqual({ created: true });
      expect(await client.ensureStream(stream)).toEqual({ created: false });

      const first = await client.append(stream, [{ n: 1 }, { n: 2 }], { key: "chat:a" });
      expect(first.duplicate).toBe(false);
      expect(typeof first.nextOffset).toBe("string");
      await client.append(stream, [{ n: "b1" }], { key: "chat:b" });
      // POST flattens one level: an array record inside the batch stays one record.
      await client.append(stream, [[3, "an array record"]], { key: "chat:a" });

      const a = await client.read(stream, { key: "chat:a" });
      expect(a.records).toEqual([{ n: 1 }, { n: 2 }, [3, "an array record"]]);
      expect(a.upToDate).toBe(true);
      expect(await client.read(stream, { key: "chat:b" })).toMatchObject({ records: [{ n: "b1" }], upToDate: true });
      expect(await readAll(client, stream)).toEqual([{ n: 1 }, { n: 2 }, { n: "b1" }, [3, "an array record"]]);

      // A read from an offset returns strictly later records.
      const after = await client.read(stream, { offset: first.nextOffset!, key: "chat:a" });
      expect(after.records).toEqual([[3, "an array record"]]);
      const tail = await client.read(stream, { offset: a.nextOffset, key: "chat:a" });
      expect(tail).toMatchObject({ records: [], upToDate: true });
      expect(Object.keys(tail).sort()).toEqual(["nextOffset", "records", "upToDate"]); // no upstream headers leak
    });

    it("reports a missing stream as stream_not_found", async () => {
      const client = backend().client();
      const stream = uniqueStreamName("missing");
      await expect(client.append(stream, [1])).rejects.toMatchObject({ code: "stream_not_found", status: 404 });
      await expect(client.read(stream)).rejects.toBeInstanceOf(StreamsError);
      await expect(client.read(stream)).rejects.toMatchObject({ code: "stream_not_found" });
    });

    it("refuses an empty append and a long-poll timeout above 5 s before sending", async () => {
      const client = backend().client();
      await expect(client.append("x", [])).rejects.toBeInstanceOf(RangeError);
      await expect(client.read("x", { live: "long-poll", timeoutMs: 6000 })).rejects.toBeInstanceOf(RangeError);
    });

    it("answers ping on the authenticated health endpoint", async () => {
      await expect(backend().client().ping()).resolves.toBeUndefined();
    });
  });

  describe("long-poll", () => {
    // Through a loopback proxy the test sees what reached the streams tier and how it answered,
    // so each assertion names the path the long-poll took instead of guessing it from elapsed time.
    it("returns up to date with no records (the 204 path) when its key stays idle", async () => {
      const client = backend().client();
      const stream = uniqueStreamName("idle");
      await client.ensureStream(stream);
      await client.append(stream, [{ other: true }], { key: "chat:other" });
      const start = await client.read(stream, { key: "chat:idle" });
      const polls: Array<{ url: URL; status?: number }> = [];
      const proxy = await startLoopbackProxy({
        target: backend().url,
        onRequest: (req, i) => (polls[i] = { url: new URL(req.url ?? "/", "http://proxy") }),
        onResponse: (_req, i, status) => (polls[i]!.status = status),
      });
      try {
        const viaProxy = backend().client({ baseUrl: proxy.url });
        const idle = await viaProxy.read(stream, { offset: start.nextOffset, key: "chat:idle", live: "long-poll", timeoutMs: 300 });
        expect(idle.records).toEqual([]);
        expect(idle.upToDate).toBe(true);
        expect(typeof idle.nextOffset).toBe("string");
        // It waited: the tier answered through the long-poll timeout path (204, no body), not the
        // immediate "nothing new" answer of a plain read (200 with an empty list)...
        expect(polls.map((p) => p.status)).toEqual([204]);
        // ...and that wait was ours (300 ms), not the tier's default: the timeout went upstream.
        expect(polls[0]!.url.searchParams.get(STREAMS_QUERY.live)).toBe("long-poll");
        expect(polls[0]!.url.searchParams.get(STREAMS_QUERY.timeout)).toBe("300");
      } finally {
        await proxy.close();
      }
    });

    it("is woken by an append to its own key only", async () => {
      const client = backend().client();
      const stream = uniqueStreamName("wake");
      await client.ensureStream(stream);
      const start = await client.read(stream, { key: "chat:a" });
      const arrived = deferred();
      const statuses: number[] = [];
      const proxy = await startLoopbackProxy({
        target: backend().url,
        onRequest: (req) => req.method === "GET" && arrived.resolve(),
        onResponse: (_req, _i, status) => statuses.push(status),
      });
      try {
        const viaProxy = backend().client({ baseUrl: proxy.url });
        const poll = viaProxy.read(stream, { offset: start.nextOffset, key: "chat:a", live: "long-poll", timeoutMs: 4500 });
        await arrived.promise; // the poll is on its way to the tier before anything is appended
        await client.append(stream, [{ to: "b" }], { key: "chat:b" });
        await client.append(stream, [{ to: "a" }], { key: "chat:a" });
        const woken = await poll;
        // Woken by the append, not by its timeout: a timed-out poll answers 204 with no records;
        // this one carries exactly the record of its own key (the other key's append did not end it).
        expect(woken.records).toEqual([{ to: "a" }]);
        expect(statuses).toEqual([200]);
        // Continuing from the returned offset finds nothing new for this key.
        const next = await client.read(stream, { offset: woken.nextOffset, key: "chat:a" });
        expect(next.records).toEqual([]);
      } finally {
        await proxy.close();
      }
    });

    it("is cancelled promptly by its abort signal, upstream included", async () => {
      const client = backend().client();
      const stream = uniqueStreamName("abort");
      await client.ensureStream(stream);
      const arrived = deferred();
      const gone = deferred();
      const answered: number[] = [];
      // The proxy holds the poll: it never answers, so only the abort can end the request.
      const proxy = await startLoopbackProxy({
        target: backend().url,
        plan: (req) => (req.method === "GET" ? "hold" : "forward"),
        onRequest: (req) => req.method === "GET" && arrived.resolve(),
        onResponse: (_req, _i, status) => answered.push(status),
        onClientGone: () => gone.resolve(),
      });
      try {
        const viaProxy = backend().client({ baseUrl: proxy.url });
        const controller = new AbortController();
        const poll = viaProxy.read(stream, { offset: "-1", live: "long-poll", timeoutMs: 4500, signal: controller.signal });
        await arrived.promise;
        controller.abort();
        // The promise rejects with the abort although no answer ever came...
        await expect(poll).rejects.toMatchObject({ name: "AbortError" });
        // ...and the request's connection itself closes: the proxy sees the client leave.
        await gone.promise;
        expect(answered).toEqual([]);
      } finally {
        await proxy.close();
      }
    });
  });

  describe("idempotent producer", () => {
    it("treats the same seq twice as a duplicate and keeps one record", async () => {
      const client = backend().client();
      const stream = uniqueStreamName("dup");
      await client.ensureStream(stream);
      const producer = { id: "gen:1", epoch: 0, seq: 0 };
      const once = await client.append(stream, [{ token: "hello" }], { key: "chat:1", producer });
      const twice = await client.append(stream, [{ token: "hello" }], { key: "chat:1", producer });
      expect(once.duplicate).toBe(false);
      expect(twice.duplicate).toBe(true);
      expect(twice.nextOffset).toBe(once.nextOffset);
      expect(await readAll(client, stream, "chat:1")).toEqual([{ token: "hello" }]);
    });

    it("rejects a seq gap with producer_seq_gap and the expected seq", async () => {
      const client = backend().client();
      const stream = uniqueStreamName("gap");
      await client.ensureStream(stream);
      await client.append(stream, [0], { producer: { id: "p", epoch: 0, seq: 0 } });
      const gap = client.append(stream, [2], { producer: { id: "p", epoch: 0, seq: 2 } });
      await expect(gap).rejects.toBeInstanceOf(StreamsError);
      await expect(gap).rejects.toMatchObject({ code: "producer_seq_gap", status: 409, expectedSeq: 1, receivedSeq: 2 });
      await client.append(stream, [1], { producer: { id: "p", epoch: 0, seq: 1 } });
      expect(await readAll(client, stream)).toEqual([0, 1]);
    });

    it("fences off an older epoch with producer_stale_epoch", async () => {
      const client = backend().client();
      const stream = uniqueStreamName("epoch");
      await client.ensureStream(stream);
      await client.append(stream, ["old"], { producer: { id: "p", epoch: 0, seq: 0 } });
      await client.append(stream, ["new"], { producer: { id: "p", epoch: 1, seq: 0 } });
      await expect(client.append(stream, ["late"], { producer: { id: "p", epoch: 0, seq: 1 } })).rejects.toMatchObject({
        code: "producer_stale_epoch",
        status: 403,
        currentEpoch: 1,
      });
      expect(await readAll(client, stream)).toEqual(["old", "new"]);
    });
  });
});

describe("streams client without a server", () => {
  it("reports a refused connection as streams_unavailable (retryable)", async () => {
    const proxy = await startLoopbackProxy({ target: "http://127.0.0.1:9" });
    const url = proxy.url;
    await proxy.close(); // nothing listens on this port any more
    const client = createStreamsClient({ baseUrl: url });
    const error = await client.ensureStream("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamsError);
    expect(error).toMatchObject({ code: "streams_unavailable", status: 0, retryable: true });
    expect(String((error as Error).message)).toContain('[PUT] "/v1/stream/x"');
  });
});
