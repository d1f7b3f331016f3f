/**
 * The stream hub (src/log/stream-hub.ts) against a real streams tier (each backend): tails of a
 * user's stream share ONE upstream live read, each still gets exactly its chat's records after
 * its own offset (no gap, no duplicate), a stalled reader is dropped without delaying anyone,
 * and an upstream failure ends the tails so they resume exactly from their last offset.
 */
import { startTcpProxy, type TcpProxy } from "@open-chat/testing";
import { describe, expect, it } from "vitest";
import { chatKey } from "../src/log/stream-names.js";
import { createStreamHub, TailOverrunError, type StreamHub } from "../src/log/stream-hub.js";
import { countingLiveReads, follower, recs } from "./helpers/hub-followers.js";
import type { StreamsClient } from "../src/streams/client/types.js";
import { withAppendNotices } from "../src/streams/client/append-notices.js";
import { StreamsError } from "../src/streams/client/errors.js";
import { forEachStreamsBackend, uniqueStreamName } from "./helpers/streams.js";

forEachStreamsBackend((backend, kind) => {
  // A live upstream is the streams-server's SSE, or for the embedded tier this process's own
  // append notices (streams-local 0.1.11 crashes when a stream is deleted under an SSE read).
  const notices = kind === "embedded";
  describe.each(["long-poll", "live"] as const)("stream hub, %s upstream", (upstream) => {
    /** The client the hub reads with and the test appends with (one client: the notices are its own). */
    const streamsClient = () => (notices && upstream === "live" ? withAppendNotices(backend().client()) : backend().client());
    // Cutting the tier's connections needs an upstream connection: not with append notices.
    const overHttp = !(notices && upstream === "live");

    /** A hub reading a fresh stream through a TCP proxy in front of the tier, and a direct client to append with. */
    async function throughProxy(use: (setup: { direct: StreamsClient; proxy: TcpProxy; stream: string; hub: StreamHub }) => Promise<void>) {
      const direct = backend().client();
      const proxy = await startTcpProxy(backend().url);
      try {
        const stream = uniqueStreamName("hub");
        await direct.ensureStream(stream);
        const hub = createStreamHub({ streams: backend().client({ baseUrl: proxy.url }), upstream, longPollMs: 1_000 });
        await use({ direct, proxy, stream, hub });
      } finally {
        await proxy.close();
      }
    }

    it("many tails of one chat (and another chat of the user) see identical sequences through ONE upstream read, closed with the last tail", async () => {
      const client = streamsClient();
      const stream = uniqueStreamName("hub");
      await client.ensureStream(stream);
      await client.append(stream, recs("a", 0, 3), { key: chatKey("a") });
      await client.append(stream, recs("b", 0, 2), { key: chatKey("b") });
      const counted = countingLiveReads(client);
      const hub = createStreamHub({ streams: counted.client, upstream, longPollMs: 1_000 });

      const tails = Array.from({ length: 8 }, () => follower(hub, stream, "a"));
      const other = follower(hub, stream, "b");
      await Promise.all([...tails.map((t) => t.has(3)), other.has(2)]);
      for (let n = 3; n < 13; n++) {
        await client.append(stream, recs("a", n, 1), { key: chatKey("a") });
        if (n % 3 === 0) await client.append(stream, recs("b", n, 2), { key: chatKey("b") });
      }
      await Promise.all([...tails.map((t) => t.has(13)), other.has(8)]);

      for (const tail of tails) expect(tail.records).toEqual(recs("a", 0, 13));
      expect(other.records.map((r) => r.chatId)).toEqual(Array(8).fill("b"));
      expect(counted.most).toBe(1); // one upstream live read for nine tails
      expect(hub.stats()).toEqual({ upstreams: 1, attached: 9, parked: 0 });

      await Promise.all([...tails, other].map((t) => t.stop()));
      expect(hub.stats()).toEqual({ upstreams: 0, attached: 0, parked: 0 });
      await counted.idle(); // the upstream read was aborted, not left hanging
    });

    it("a tail joining mid-answer resumes exactly from its own offset", async () => {
      const client = streamsClient();
      const stream = uniqueStreamName("hub");
      await client.ensureStream(stream);
      const hub = createStreamHub({ streams: client, upstream, longPollMs: 1_000 });
      const first = follower(hub, stream, "a");
      for (let n = 0; n < 5; n++) {
        await client.append(stream, recs("a", n * 2, 2), { key: chatKey("a") });
        await client.append(stream, recs("b", n, 1), { key: chatKey("b") }); // other chats move the stream on
        await first.has((n + 1) * 2);
      }
      // Every offset the first tail was given is a resume point: a joiner from it gets exactly the rest.
      const joiners = first.marks.map((mark) => ({ mark, tail: follower(hub, stream, "a", mark.offset) }));
      for (let n = 5; n < 8; n++) await client.append(stream, recs("a", n * 2, 2), { key: chatKey("a") });
      await first.has(16);
      expect(first.records).toEqual(recs("a", 0, 16));
      for (const { mark, tail } of joiners) {
        await tail.has(16 - mark.total);
        expect(tail.records, `joined after ${mark.total} records`).toEqual(recs("a", mark.total, 16 - mark.total));
      }
      await Promise.all([first, ...joiners.map((j) => j.tail)].map((t) => t.stop()));
    });

    it("a stalled reader does not delay the others; past its buffer it is dropped to reconnect", async () => {
      const client = streamsClient();
      const stream = uniqueStreamName("hub");
      await client.ensureStream(stream);
      const hub = createStreamHub({ streams: client, upstream, longPollMs: 1_000, maxBufferedEvents: 5 });
      const fast = follower(hub, stream, "a");
      const abort = new AbortController();
      const stalled = hub.follow(stream, { chatId: "a", key: chatKey("a"), offset: "-1", signal: abort.signal })[Symbol.asyncIterator]();
      const caughtUp = await stalled.next(); // the empty, up-to-date catch-up; then it reads nothing more
      expect(caughtUp.value).toMatchObject({ records: [], upToDate: true });
      await fast.has(0);
      for (let n = 0; n < 12; n++) {
        await client.append(stream, recs("a", n, 1), { key: chatKey("a") });
        await fast.has(n + 1); // every append reaches the fast reader while the stalled one reads nothing
      }
      expect(fast.records).toEqual(recs("a", 0, 12));
      await expect(stalled.next()).rejects.toBeInstanceOf(TailOverrunError);
      expect(hub.stats().attached).toBe(1);
      abort.abort();
      await fast.stop();
    });

    it.runIf(overHttp)("an upstream failure ends every tail with the error; each resumes exactly from its last offset", () =>
      throughProxy(async ({ direct, proxy, stream, hub }) => {
        const tails = [follower(hub, stream, "a"), follower(hub, stream, "a")];
        await direct.append(stream, recs("a", 0, 3), { key: chatKey("a") });
        await Promise.all(tails.map((t) => t.has(3)));

        await proxy.refuse(); // the tier is unreachable: the upstream read fails
        await Promise.all(tails.map((t) => t.ended));
        for (const tail of tails) expect(tail.failure).toBeInstanceOf(StreamsError);
        expect(hub.stats()).toEqual({ upstreams: 0, attached: 0, parked: 0 });
        await direct.append(stream, recs("a", 3, 2), { key: chatKey("a") }); // written while the tails were away

        await proxy.accept();
        const resumed = tails.map((t) => follower(hub, stream, "a", t.offsets.at(-1)!));
        await direct.append(stream, recs("a", 5, 2), { key: chatKey("a") });
        for (const [i, tail] of resumed.entries()) {
          await tail.has(4);
          expect([...tails[i]!.records, ...tail.records]).toEqual(recs("a", 0, 7));
        }
        await Promise.all(resumed.map((t) => t.stop()));
      }));

    if (upstream === "live") {
      it.runIf(overHttp)("a cut SSE connection of a stream that still exists is opened again where it stood: the tails go on without a gap", () =>
        throughProxy(async ({ direct, proxy, stream, hub }) => {
          const tail = follower(hub, stream, "a");
          await direct.append(stream, recs("a", 0, 2), { key: chatKey("a") });
          await tail.has(2);
          expect(proxy.cutAll()).toBeGreaterThan(0); // the upstream SSE response is cut mid-stream
          await direct.append(stream, recs("a", 2, 3), { key: chatKey("a") });
          await tail.has(5);
          expect(tail.records).toEqual(recs("a", 0, 5));
          expect(tail.failure).toBeUndefined();
          await tail.stop();
        }));

      it("a stream deleted under the live read ends its tails with the tier's 404", async () => {
        const client = streamsClient();
        const stream = uniqueStreamName("hub");
        await client.ensureStream(stream);
        const hub = createStreamHub({ streams: client, upstream, longPollMs: 1_000 });
        const tail = follower(hub, stream, "a");
        await client.append(stream, recs("a", 0, 1), { key: chatKey("a") });
        await tail.has(1);
        await client.deleteStream(stream);
        await tail.ended;
        expect(tail.failure).toMatchObject({ status: 404 });
        expect(hub.stats()).toEqual({ upstreams: 0, attached: 0, parked: 0 });
      });
    }
  });
});
