/** Followers of a stream hub for its tests: each records the pages one tail gets. */
import { chatKey } from "../../src/log/stream-names.js";
import type { StreamHub } from "../../src/log/stream-hub.js";
import type { StreamsClient } from "../../src/streams/client/types.js";

export interface Rec {
  chatId: string;
  n: number;
}

/** Reads one chat through the hub, recording every page, until stopped or ended. */
export function follower(hub: StreamHub, stream: string, chatId: string, offset = "-1") {
  const abort = new AbortController();
  const records: Rec[] = [];
  const offsets: string[] = [];
  /** After each page: its offset and how many records had arrived with it. */
  const marks: Array<{ offset: string; total: number }> = [];
  let failure: unknown;
  let changed = Promise.withResolvers<void>();
  const notify = () => {
    changed.resolve();
    changed = Promise.withResolvers<void>();
  };
  const done = (async () => {
    try {
      for await (const page of hub.follow(stream, { chatId, key: chatKey(chatId), offset, signal: abort.signal })) {
        records.push(...(page.records as Rec[]));
        offsets.push(page.nextOffset);
        marks.push({ offset: page.nextOffset, total: records.length });
        notify();
      }
    } catch (error) {
      failure = error;
    } finally {
      notify();
    }
  })();
  return {
    records,
    offsets,
    marks,
    get failure() {
      return failure;
    },
    /** Resolves once `count` records arrived (the test's timeout is the failure). */
    async has(count: number) {
      while (records.length < count) {
        if (failure) throw failure;
        await changed.promise;
      }
    },
    ended: done,
    stop() {
      abort.abort();
      return done;
    },
  };
}

/** The real client, counting live reads in flight (the upstream reads the hub holds open: long-polls or SSE responses). */
export function countingLiveReads(client: StreamsClient) {
  let inFlight = 0;
  let most = 0;
  let idle = Promise.withResolvers<void>();
  const begin = () => {
    inFlight++;
    most = Math.max(most, inFlight);
  };
  const end = () => {
    if (--inFlight === 0) {
      idle.resolve();
      idle = Promise.withResolvers<void>();
    }
  };
  const read: StreamsClient["read"] = async (name, options = {}) => {
    if (!options.live) return client.read(name, options);
    begin();
    try {
      return await client.read(name, options);
    } finally {
      end();
    }
  };
  async function* live(name: string, options: Parameters<StreamsClient["live"]>[1] = {}) {
    begin();
    try {
      yield* client.live(name, options);
    } finally {
      end();
    }
  }
  return {
    client: { read, live },
    get most() {
      return most;
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : idle.promise),
  };
}

export const recs = (chatId: string, from: number, count: number): Rec[] => Array.from({ length: count }, (_, i) => ({ chatId, n: from + i }));

