/** The stored (offset, state) pair keeps the fold's versions: a reload shows the same thread. */
import { describe, expect, test } from "vitest";
import { currentThread, foldAll, materialize, messageVersions } from "@open-chat/shared";
import { decodeSnapshot, encodeSnapshot } from "../src/tail/snapshot.js";
import { threadView } from "../src/tail/thread-view.js";
import type { PendingMessage } from "../src/index.js";

const at = "2026-11-30T12:00:00.000Z";
const base = { v: 1, chatId: "c1", at } as const;
const events = [
  { ...base, id: "t1:0", type: "message.created", messageId: "u1", role: "user", text: "hi", clientId: "cm1" },
  { ...base, id: "t1:1", type: "message.created", messageId: "a1", role: "assistant", text: "" },
  { ...base, id: "t1:2", type: "message.completed", messageId: "a1", finishReason: "stop" },
  { ...base, id: "t2:0", type: "message.created", messageId: "a2", role: "assistant", text: "", versionOf: "a1" },
  { ...base, id: "t2:1", type: "message.completed", messageId: "a2", finishReason: "stop" },
  { ...base, id: "s1:0", type: "message.selected", messageId: "a1" },
];

describe("versions in the snapshot", () => {
  test("children, selection and leaf survive the round trip; later events fold as on the server", () => {
    const state = materialize(events);
    expect(currentThread(state).map((m) => m.id)).toEqual(["u1", "a1"]);
    const restored = decodeSnapshot(encodeSnapshot({ offset: "000000000000000000AB000000", state }))!.state;
    expect(currentThread(restored).map((m) => m.id)).toEqual(["u1", "a1"]);
    expect(messageVersions(restored, "a2")).toEqual({ ids: ["a1", "a2"], index: 1 });
    const next = { ...base, id: "t3:0", type: "message.created", messageId: "u2", role: "user", text: "more", clientId: "cm2" };
    expect(currentThread(foldAll(restored, [next])).map((m) => m.id)).toEqual(currentThread(foldAll(state, [next])).map((m) => m.id));
    expect(currentThread(foldAll(restored, [next])).map((m) => m.id)).toEqual(["u1", "a1", "u2"]);
  });

  test("a version-1 snapshot (no versions stored) is not read: the tail re-reads the log", () => {
    const v1 = JSON.stringify({ v: 1, offset: "-1", state: { chatId: "c1", title: null, deleted: false, messages: [], watermarks: [], applied: 0, duplicates: 0, ignored: 0, skipped: 0 } });
    expect(decodeSnapshot(v1)).toBeNull();
  });
});

describe("the thread a tail shows", () => {
  const pending = (editOf?: string): PendingMessage => ({
    id: "cm9",
    clientId: "cm9",
    chatId: "c1",
    role: "user",
    text: "edited",
    status: "pending",
    createdAt: at,
    updatedAt: at,
    ...(editOf ? { editOf } : {}),
  });
  const state = materialize(events.slice(0, 3));

  test("pending sends follow the thread; a pending edit takes the edited message's place", () => {
    expect(threadView(state, []).map((m) => m.id)).toEqual(["u1", "a1"]);
    expect(threadView(state, [pending()]).map((m) => m.id)).toEqual(["u1", "a1", "cm9"]);
    expect(threadView(state, [pending("u1")]).map((m) => m.id)).toEqual(["cm9"]);
    expect(threadView(state, [pending("gone")]).map((m) => m.id)).toEqual(["u1", "a1", "cm9"]);
  });
});
