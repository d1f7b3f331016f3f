/**
 * Folded chats kept between reads (log/chat-states.ts): a read continues from where the last
 * one stood and folds only what is new, the result always equals folding the whole log, the
 * stream's incarnation starts a chat over, and the kept messages stay within their bound.
 * The tier here is an in-memory log paged like the real one (at most 2 records per read), so
 * the test can count what each read asked for.
 */
import { describe, expect, it } from "vitest";
import { START_OFFSET, materialize, type ChatEvent } from "@open-chat/shared";
import { createChatStates } from "../src/log/chat-states.js";
import { chatKey } from "../src/log/stream-names.js";

const AT = "2026-11-30T10:00:00.000Z";

/** One chat's log in memory: offsets are positions ("-1" = the start). */
function memoryTier() {
  const logs = new Map<string, ChatEvent[]>();
  const reads: Array<{ stream: string; offset: string }> = [];
  let seq = 0;
  return {
    reads,
    append(stream: string, chatId: string, ...payloads: Array<Record<string, unknown>>) {
      const log = logs.get(`${stream}|${chatKey(chatId)}`) ?? [];
      for (const payload of payloads) log.push({ v: 1, id: `p:${seq++}`, at: AT, chatId, ...payload } as ChatEvent);
      logs.set(`${stream}|${chatKey(chatId)}`, log);
    },
    all(stream: string, chatId: string) {
      return logs.get(`${stream}|${chatKey(chatId)}`) ?? [];
    },
    async read(stream: string, options: { offset: string; key?: string }) {
      reads.push({ stream, offset: options.offset });
      const log = logs.get(`${stream}|${options.key}`) ?? [];
      const from = options.offset === START_OFFSET ? 0 : Number(options.offset);
      const records = log.slice(from, from + 2);
      const next = from + records.length;
      return { records, nextOffset: String(next), upToDate: next >= log.length };
    },
  };
}

const message = (messageId: string, role: "user" | "assistant", text: string) => ({ type: "message.created", messageId, role, text });
const stream = { name: "oc.t.u", incarnation: "i1" };

describe("kept chat states", () => {
  it("reads only what was appended since the last read, and always equals the whole log folded", async () => {
    const tier = memoryTier();
    const states = createChatStates(tier);
    tier.append("oc.t.u", "c1", message("m1", "user", "hi"), message("m2", "assistant", "hello"), message("m3", "user", "more"));
    const first = await states.read(stream, "c1");
    expect(first.state).toEqual(materialize(tier.all("oc.t.u", "c1")));
    expect(tier.reads.map((r) => r.offset)).toEqual([START_OFFSET, "2"]);

    tier.reads.length = 0;
    tier.append("oc.t.u", "c1", message("m4", "assistant", "sure"), { type: "message.delta", messageId: "m4", text: "!" });
    const second = await states.read(stream, "c1");
    expect(tier.reads.map((r) => r.offset)).toEqual(["3"]); // from where the first read stood, not from the start
    expect(second.state).toEqual(materialize(tier.all("oc.t.u", "c1")));
    expect(second.state.messages.map((m) => m.text)).toEqual(["hi", "hello", "more", "sure!"]);
    expect(second.nextOffset).toBe("5");
    // The state handed out earlier is untouched by the later fold.
    expect(first.state.messages).toHaveLength(3);

    tier.reads.length = 0;
    expect((await states.read(stream, "c1")).state).toBe(second.state); // nothing new: the same state
    expect(tier.reads.map((r) => r.offset)).toEqual(["5"]);
  });

  it("starts over for another incarnation of the stream, and keeps chats apart", async () => {
    const tier = memoryTier();
    const states = createChatStates(tier);
    tier.append("oc.t.u", "c1", message("m1", "user", "one"));
    tier.append("oc.t.u", "c2", message("x1", "user", "other chat"));
    await states.read(stream, "c1");
    tier.reads.length = 0;
    await states.read({ ...stream, incarnation: "i2" }, "c1");
    expect(tier.reads.map((r) => r.offset)).toEqual([START_OFFSET]);
    expect((await states.read(stream, "c2")).state.messages.map((m) => m.text)).toEqual(["other chat"]);
  });

  it("keeps at most maxMessages messages, dropping the least recently read chats first", async () => {
    const tier = memoryTier();
    const states = createChatStates(tier, { maxMessages: 3 });
    tier.append("oc.t.u", "a", message("a1", "user", "a"), message("a2", "assistant", "a"));
    tier.append("oc.t.u", "b", message("b1", "user", "b"));
    tier.append("oc.t.u", "c", message("c1", "user", "c"));
    tier.append("oc.t.u", "big", message("g1", "user", "g"), message("g2", "user", "g"), message("g3", "user", "g"), message("g4", "user", "g"));
    await states.read(stream, "a"); // 2 kept
    await states.read(stream, "b"); // 3 kept
    await states.read(stream, "c"); // 4 > 3: "a" goes
    await states.read(stream, "big"); // larger than the bound on its own: not kept, nothing else goes
    tier.reads.length = 0;
    await states.read(stream, "b");
    await states.read(stream, "c");
    await states.read(stream, "a");
    await states.read(stream, "big");
    // b and c from where they stood; a (dropped) and big (never kept) from the start, in pages of 2.
    expect(tier.reads.map((r) => r.offset)).toEqual(["1", "1", START_OFFSET, START_OFFSET, "2"]);
  });

  it("with a bound of 0 keeps nothing: every read is of the whole chat", async () => {
    const tier = memoryTier();
    const states = createChatStates(tier, { maxMessages: 0 });
    tier.append("oc.t.u", "c1", message("m1", "user", "hi"));
    await states.read(stream, "c1");
    await states.read(stream, "c1");
    expect(tier.reads.map((r) => r.offset)).toEqual([START_OFFSET, START_OFFSET]);
  });
});
