/**
 * The tail's connection logic with a scripted transport (a fetch that answers from a script):
 * offset regressions resync from -1, offline pauses, permanent errors close, resumes send both
 * `offset=` and `Last-Event-ID`. Everything the server does is covered by the integration
 * suites; this drives the cases a healthy server never produces.
 */
import { describe, expect, test } from "vitest";
import { createChatClient, manualNetwork, memoryStorage, type FetchLike } from "../src/index.js";

const A = "0000000000000000000A000000";
const B = "0000000000000000000B000000";
const at = "2026-11-23T12:00:00.000Z";
const created = (seq: number, id: string) => ({ v: 1, id: `p:${seq}`, type: "message.created", chatId: "c1", messageId: id, at, role: "user", text: id });
const data = (events: unknown[]) => `event: data\ndata: ${JSON.stringify(events)}\n\n`;
const control = (offset: string, extra: object = {}) => `event: control\nid: ${offset}\ndata: ${JSON.stringify({ streamNextOffset: offset, upToDate: true, ...extra })}\n\n`;

type Step = { status?: number; frames?: string[]; open?: boolean; body?: string };

/** A fetch answering each request with the next step; `open` keeps the stream open until aborted. */
function scripted(steps: Step[]) {
  const requests: Array<{ offset: string | null; lastEventId: string | null }> = [];
  const fetch: FetchLike = async (input, init) => {
    const url = new URL(input);
    requests.push({ offset: url.searchParams.get("offset"), lastEventId: new Headers(init.headers).get("Last-Event-ID") });
    const step = steps.shift() ?? { frames: [], open: true };
    if (step.status && step.status !== 200) {
      return new Response(step.body ?? JSON.stringify({ error: { code: "forbidden", message: "no" } }), { status: step.status });
    }
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const frame of step.frames ?? []) controller.enqueue(encoder.encode(frame));
        if (!step.open) controller.close();
        init.signal?.addEventListener("abort", () => controller.error(init.signal!.reason));
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  };
  return { fetch, requests };
}

const options = (fetch: FetchLike) => ({ baseUrl: "http://api.test", fetch, getToken: () => "t", storage: memoryStorage(), reconnect: { initialDelayMs: 1, maxDelayMs: 2 } });

describe("tail connection", () => {
  test("resumes with offset= and Last-Event-ID; an offset that goes backwards re-reads from -1 into an empty fold", async () => {
    const { fetch, requests } = scripted([
      { frames: [data([created(0, "lost")]), control(B)] }, // then the stream ends
      { frames: [control(A)], open: true }, // the server's view went backwards
      { frames: [data([created(0, "m1"), created(1, "m2")]), control(A)], open: true },
    ]);
    const client = createChatClient(options(fetch));
    const tail = client.openChat("c1");
    await tail.until((state, c) => state.messages.length === 2 && c.offset === A);
    expect(requests).toEqual([
      { offset: "-1", lastEventId: null },
      { offset: B, lastEventId: B },
      { offset: "-1", lastEventId: null },
    ]);
    expect(tail.stats.resyncs).toBe(1);
    // The log the server has now, and nothing else: the message it lost is gone, and its reused
    // event id does not hide m1 (folded from the empty state, not on top of what was shown).
    expect(tail.state.log.duplicates).toBe(0);
    expect(tail.state.messages.map((m) => m.id)).toEqual(["m1", "m2"]);
    await client.close();
  });

  test("offline: no request until the network returns", async () => {
    const network = manualNetwork(false);
    const { fetch, requests } = scripted([{ frames: [control(A)], open: true }]);
    const client = createChatClient({ ...options(fetch), network });
    const tail = client.openChat("c1");
    await tail.until((_, c) => c.status === "offline");
    expect(requests).toEqual([]);
    network.set(true);
    await tail.until((_, c) => c.status === "live");
    expect(requests.length).toBe(1);
    network.set(false);
    await tail.until((_, c) => c.status === "offline");
    await client.close();
  });

  test("a permanent error closes the tail; streamClosed closes it as deleted", async () => {
    const forbidden = scripted([{ status: 403 }]);
    const client = createChatClient(options(forbidden.fetch));
    const tail = client.openChat("c1");
    await tail.until((_, c) => c.status === "closed");
    expect(tail.connection.closeReason).toBe("error");
    expect((tail.connection.error as { code?: string }).code).toBe("forbidden");
    expect(forbidden.requests.length).toBe(1);

    const closed = scripted([{ frames: [data([created(0, "m1")]), control(A, { streamClosed: true })] }]);
    const other = createChatClient(options(closed.fetch));
    const deleted = other.openChat("c1");
    await deleted.until((_, c) => c.status === "closed");
    expect(deleted.connection.closeReason).toBe("deleted");
    expect(deleted.state.messages.length).toBe(1);
    expect(closed.requests.length).toBe(1);
    await Promise.all([client.close(), other.close()]);
  });

  test("a gateway's 502 page is a transport failure: retried, not fatal", async () => {
    const { fetch, requests } = scripted([{ status: 502, body: "<html>bad gateway</html>" }, { frames: [control(A)], open: true }]);
    const client = createChatClient(options(fetch));
    const tail = client.openChat("c1");
    await tail.until((_, c) => c.status === "live");
    expect(requests.length).toBe(2);
    expect(tail.stats.reconnects).toBe(1);
    await client.close();
  });
});
