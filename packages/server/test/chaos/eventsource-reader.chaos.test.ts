/**
 * A plain EventSource-style reader — it applies every `event: data` frame the moment it
 * arrives and resumes with `Last-Event-ID` = the last `id:` it saw — behind a TCP proxy that
 * cuts the connection again and again mid-answer. Because data frames carry `id:` too, the
 * reader's events equal the server's log: no duplicate, no gap.
 *
 * 4 answers in the default test run, 50 with CHAOS_FULL=1 (`pnpm test:chaos`); CHAOS_ANSWERS
 * overrides both. Every answer is cut CUTS times.
 */
import { API_PATH, HEADER, SSE_EVENT, type ChatEvent } from "@open-chat/shared";
import { readLog, signInAsGuest, startTcpProxy, startTestServer, type TcpProxy, type TestServer } from "@open-chat/testing";
import { createParser } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorized, createChat, send } from "./chat-watch.js";

const ANSWERS = Math.max(1, Number(process.env.CHAOS_ANSWERS ?? (process.env.CHAOS_FULL ? 50 : 4)));
const CUTS = 5;

let server: TestServer;
let proxy: TcpProxy;
beforeAll(async () => {
  // The gate holds the model's reply, so every cut lands mid-answer however fast the machine is.
  server = await startTestServer({ gateModel: true });
  proxy = await startTcpProxy(server.url);
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await server?.close();
});

/**
 * Reads the chat over SSE through the proxy until `done(events)`, reconnecting after every
 * cut with the last id seen. After each applied data frame `cutNow(events)` may cut the
 * connection right there — before the control frame that follows it, whose bytes then never
 * arrive — the moment at which a reader that only trusted control ids would double events.
 */
async function eventSourceRead(token: string, chatId: string, done: (events: ChatEvent[]) => boolean, cutNow: (events: ChatEvent[]) => boolean) {
  const events: ChatEvent[] = [];
  let lastEventId: string | undefined;
  let cuts = 0;
  for (let connections = 1; !done(events); connections++) {
    if (connections > 200) throw new Error("too many reconnects");
    const headers: Record<string, string> = authorized(token);
    if (lastEventId) headers[HEADER.lastEventId] = lastEventId;
    let cut = false;
    try {
      const response = await fetch(`${proxy.url}${API_PATH.events(chatId)}?live=sse`, { headers });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      const parser = createParser({
        onEvent(message) {
          if (cut) return; // after the cut nothing more arrives on this connection
          if (message.id) lastEventId = message.id;
          if (message.event !== SSE_EVENT.data) return;
          events.push(...(JSON.parse(message.data) as ChatEvent[]));
          if (cutNow(events) && proxy.cutAll() > 0) {
            cut = true;
            cuts++;
          }
        },
      });
      while (!done(events) && !cut) {
        const { value, done: closed } = await reader.read();
        if (closed) break;
        parser.feed(value);
      }
      await reader.cancel().catch(() => undefined);
    } catch {
      // cut by the proxy: reconnect from lastEventId, as EventSource does
    }
  }
  return { events, cuts };
}

/** The reader's applied text of one message, and a way to wait until it reaches a length. */
function progressOf(messageId: string) {
  let text = "";
  const waiters: Array<{ chars: number; resolve: () => void }> = [];
  return {
    update(events: ChatEvent[]) {
      text = events.filter((e) => e.type === "message.delta" && e.messageId === messageId).map((e) => (e as { text: string }).text).join("");
      for (const w of waiters.splice(0)) (text.length >= w.chars ? w.resolve : () => waiters.push(w))();
    },
    reached(chars: number) {
      return text.length >= chars ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ chars, resolve }));
    },
  };
}

describe(`a plain EventSource-style reader behind a cutting proxy (${ANSWERS} answers, ${CUTS} cuts each)`, () => {
  it("sees exactly the server's log: no duplicate, no gap", async () => {
    const token = await signInAsGuest(server.url);
    const gate = server.modelGate!;
    for (let n = 0; n < ANSWERS; n++) {
      const chatId = await createChat(server.url, token);
      gate.hold();
      const { assistantMessageId } = await send(server.url, token, chatId, `answer ${n} [[tokens:300]]`);
      const progress = progressOf(assistantMessageId);
      const ended = (events: ChatEvent[]) => events.some((e) => e.type === "message.completed" && e.messageId === assistantMessageId);
      let armed = false;
      const reading = eventSourceRead(token, chatId, ended, (events) => {
        progress.update(events);
        const cut = armed && !ended(events);
        armed &&= !cut;
        return cut;
      });
      for (let step = 1; step <= CUTS; step++) {
        armed = true; // the next data frame is cut off from its control frame
        await gate.releaseText(step * 60);
        await progress.reached(step * 60);
      }
      gate.open();
      const { events, cuts } = await reading;
      const log = await readLog(server.url, token, chatId);
      expect(events.map((e) => e.id), `answer ${n}`).toEqual(log.events.map((e) => e.id));
      expect(cuts, `answer ${n}: cuts`).toBe(CUTS);
    }
  }, 30_000 + ANSWERS * 10_000);
});
