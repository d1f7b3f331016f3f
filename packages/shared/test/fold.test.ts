import { describe, expect, it } from "vitest";
import { EMPTY_CHAT_STATE, findMessage, fold, foldAll, materialize } from "../src/index.js";
import { content, producer, turn } from "./events.js";

describe("fold", () => {
  it("builds messages from a turn, text in delta order", () => {
    const state = materialize(turn("t1", "Hello there, world"));
    expect(state.messages.map((m) => [m.role, m.text, m.status])).toEqual([
      ["user", "hi", "completed"],
      ["assistant", "Hello there, world", "completed"],
    ]);
    const answer = state.messages[1]!;
    expect(answer.usage).toEqual({ inputTokens: 3, outputTokens: 5, costMicroUsd: 7 });
    expect(answer.generation).toEqual({ holder: "host-a", model: "m1", resumes: 0 });
    expect(state.messages[0]!.clientId).toBe("t1-c");
    expect(state).toMatchObject({ chatId: "chat_1", applied: 7, skipped: 0, duplicates: 0 });
  });

  it("findMessage finds a folded message by id", () => {
    const state = materialize(turn("t1", "Hello"));
    const answer = state.messages[1]!;
    expect(findMessage(state, answer.id)).toBe(answer);
    expect(findMessage(state, "constructor")).toBeUndefined();
    expect(findMessage(EMPTY_CHAT_STATE, answer.id)).toBeUndefined();
  });

  it("applying an event twice changes nothing (dedupe by producer watermark)", () => {
    const events = turn();
    const once = materialize(events);
    const twice = foldAll(once, events);
    expect(content(twice)).toEqual(content(once));
    expect(twice.duplicates).toBe(events.length);
    // Interleaved duplicates (a reconnect that re-reads an overlapping range)
    const overlapped = materialize([...events.slice(0, 4), ...events.slice(2)]);
    expect(content(overlapped)).toEqual(content(once));
    expect(overlapped.duplicates).toBe(2);
  });

  it("keeps dedupe memory bounded: one watermark per producer, not per event", () => {
    const p = producer("gen");
    const created = p.created("a", "assistant");
    const deltas = Array.from({ length: 1000 }, () => p.delta("a", "x"));
    const state = materialize([created, ...deltas]);
    expect(state.watermarks.size).toBe(1);
    expect(state.messages[0]!.text).toHaveLength(1000);
  });

  it("never reopens a terminal message; later deltas are ignored and counted", () => {
    for (const end of ["completed", "error", "stopped"] as const) {
      const p = producer(`p-${end}`);
      const state = materialize([
        p.created("a", "assistant"),
        p.delta("a", "partial"),
        p[end]("a"),
        p.delta("a", " more"),
        p.completed("a"),
        p.started("a"),
      ]);
      const message = state.messages[0]!;
      expect(message.status).toBe(end);
      expect(message.text).toBe("partial");
      expect(state.ignored).toBe(3);
    }
  });

  it("skips and counts unknown types and invalid events without throwing", () => {
    const p = producer("p");
    const garbage: unknown[] = [
      null,
      42,
      "message.delta",
      [],
      { v: 1, type: "message.exploded", id: "p:99", chatId: "chat_1", messageId: "a", at: "x" },
      { v: 2, type: "message.delta", id: "p:98", chatId: "chat_1", messageId: "a", at: "2026-11-23T12:00:00.000Z", text: "v2" },
      { ...p.delta("a", "x"), id: "not-an-id" },
      { ...p.delta("a", "x"), text: 5 },
      { ...p.delta("a", "x"), at: "yesterday" },
    ];
    const q = producer("q");
    const state = materialize([q.created("a", "assistant"), ...garbage, q.delta("a", "ok")]);
    expect(state.skipped).toBe(garbage.length);
    expect(state.messages[0]!.text).toBe("ok");
  });

  it("creates nothing for deltas or terminals of an unknown message", () => {
    const p = producer("p");
    const state = materialize([p.delta("ghost", "boo"), p.completed("ghost"), p.started("ghost")]);
    expect(state.messages).toEqual([]);
    expect(state.ignored).toBe(3);
  });

  it("orders messages by message.created in the log, not by timestamps", () => {
    const p = producer("p");
    const late = { ...p.created("first", "user", "1"), at: "2030-01-01T00:00:00.000Z" };
    const early = { ...p.created("second", "user", "2"), at: "2000-01-01T00:00:00.000Z" };
    expect(materialize([late, early]).messages.map((m) => m.id)).toEqual(["first", "second"]);
  });

  it("ignores a second message.created for an existing message id", () => {
    const p = producer("p");
    const state = materialize([p.created("a", "user", "one"), p.created("a", "user", "two")]);
    expect(state.messages.map((m) => m.text)).toEqual(["one"]);
    expect(state.ignored).toBe(1);
  });

  it("renames, and after chat.deleted ignores everything", () => {
    const p = producer("p");
    const state = materialize([p.renamed("Trip"), p.deleted(), p.created("a", "user", "x"), p.renamed("Nope")]);
    expect(state).toMatchObject({ title: "Trip", deleted: true, messages: [], ignored: 2 });
  });

  it("ignores events of another chat", () => {
    const mine = producer("p", "chat_1");
    const theirs = producer("q", "chat_2");
    const state = materialize([mine.created("a", "user", "mine"), theirs.created("b", "user", "theirs")]);
    expect(state.messages.map((m) => m.id)).toEqual(["a"]);
    expect(state.ignored).toBe(1);
  });

  it("counts takeovers in generation.resumes", () => {
    const p = producer("p");
    const state = materialize([p.created("a", "assistant"), p.started("a"), p.delta("a", "x"), p.resumed("a"), p.delta("a", "y")]);
    expect(state.messages[0]).toMatchObject({ text: "xy", generation: { holder: "host-b", model: "m1", resumes: 1 } });
  });

  it("is pure: the input state is not mutated and untouched messages keep identity", () => {
    const p = producer("p");
    const before = materialize([p.created("u", "user", "q"), p.created("a", "assistant")]);
    const snapshot = structuredClone({ messages: before.messages, watermarks: before.watermarks, index: before.index });
    const after = fold(before, p.delta("a", "hi"));
    expect({ messages: before.messages, watermarks: before.watermarks, index: before.index }).toEqual(snapshot);
    expect(after.messages[0]).toBe(before.messages[0]);
    expect(after.messages[1]).not.toBe(before.messages[1]);
    expect(fold(EMPTY_CHAT_STATE, p.delta("zz", "x")).messages).toBe(EMPTY_CHAT_STATE.messages);
  });

  it("treats prototype-looking ids as plain data", () => {
    const p = producer("constructor");
    const state = materialize([p.created("__proto__", "assistant"), p.delta("__proto__", "ok"), p.delta("toString", "no")]);
    expect(state.messages.map((m) => [m.id, m.text])).toEqual([["__proto__", "ok"]]);
  });
});
