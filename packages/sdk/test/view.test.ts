/** The tail's view: optimistic messages reconciled in place, per-message subscriptions by identity. */
import { describe, expect, test } from "vitest";
import { EMPTY_CHAT_STATE } from "@open-chat/shared";
import { PendingStore } from "../src/pending.js";
import { pendingFor } from "../src/outbox.js";
import { TailStore } from "../src/tail/store.js";
import type { TailMessage } from "../src/index.js";

const at = "2026-11-23T12:00:00.000Z";
const base = { v: 1, chatId: "c1", at } as const;
const created = (producer: string, seq: number, messageId: string, role: "user" | "assistant", text: string, clientId?: string) => ({
  ...base,
  id: `${producer}:${seq}`,
  type: "message.created",
  messageId,
  role,
  text,
  ...(clientId ? { clientId } : {}),
});
const delta = (producer: string, seq: number, messageId: string, text: string) => ({ ...base, id: `${producer}:${seq}`, type: "message.delta", messageId, text });

function setup() {
  const pending = new PendingStore();
  const view = new TailStore("c1", EMPTY_CHAT_STATE, (ids) => pending.remove("c1", ids));
  pending.subscribe("c1", () => view.setPending(pending.list("c1")));
  return { pending, view };
}

describe("optimistic messages", () => {
  test("a pending message is replaced in place by the log's message with its clientId: no flicker, no duplicate", async () => {
    const { pending, view } = setup();
    view.apply([created("t1", 0, "u1", "user", "hi"), created("t1", 1, "a1", "assistant", "")]);
    pending.add(pendingFor({ chatId: "c1", clientMessageId: "cm-2", text: "second", queuedAt: at }));
    pending.add(pendingFor({ chatId: "c1", clientMessageId: "cm-3", text: "third", queuedAt: at }));
    expect(view.state.messages.map((m) => [m.id, m.status])).toEqual([
      ["u1", "completed"],
      ["a1", "streaming"],
      ["cm-2", "pending"],
      ["cm-3", "pending"],
    ]);

    const seen: Array<Array<string>> = [];
    view.subscribe((state) => seen.push(state.messages.map((m) => m.text)));
    view.apply([created("t2", 0, "u2", "user", "second", "cm-2"), created("t2", 1, "a2", "assistant", "")]);
    expect(view.state.messages.map((m) => [m.id, m.status])).toEqual([
      ["u1", "completed"],
      ["a1", "streaming"],
      ["u2", "completed"], // same position the pending "second" had
      ["a2", "streaming"],
      ["cm-3", "pending"],
    ]);
    // Every published state had "second" exactly once.
    for (const texts of seen) expect(texts.filter((t) => t === "second").length).toBe(1);
    await Promise.resolve(); // reconciled ids are forgotten in a microtask
    expect(pending.list("c1").map((m) => m.clientId)).toEqual(["cm-3"]);
    expect(view.state.pending.map((m) => m.clientId)).toEqual(["cm-3"]);
  });
});

describe("subscribeMessage", () => {
  test("fires only when that message's object changes", () => {
    const { view } = setup();
    view.apply([created("t1", 0, "u1", "user", "hi"), created("t1", 1, "a1", "assistant", "")]);
    const user: Array<TailMessage | undefined> = [];
    const assistant: Array<TailMessage | undefined> = [];
    view.subscribeMessage("u1", (m) => user.push(m));
    view.subscribeMessage("a1", (m) => assistant.push(m));
    view.apply([delta("t1", 2, "a1", "Hel")]);
    view.apply([delta("t1", 3, "a1", "lo")]);
    view.apply([delta("t1", 3, "a1", "lo")]); // a duplicate: no change
    expect(user).toEqual([]);
    expect(assistant.map((m) => m?.text)).toEqual(["Hel", "Hello"]);
  });

  test("subscribing by clientId follows a send from pending to the log's message", () => {
    const { pending, view } = setup();
    const texts: Array<string | undefined> = [];
    view.subscribeMessage("cm-1", (m) => texts.push(m ? `${m.id}:${m.status}` : undefined));
    pending.add(pendingFor({ chatId: "c1", clientMessageId: "cm-1", text: "yo", queuedAt: at }));
    view.apply([created("t1", 0, "u1", "user", "yo", "cm-1")]);
    expect(texts).toEqual(["cm-1:pending", "u1:completed"]);
  });
});
