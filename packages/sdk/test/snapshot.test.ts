/** The stored (offset, state) pair: round trip, and garbage means "start from -1". */
import { describe, expect, test } from "vitest";
import { foldAll, materialize } from "@open-chat/shared";
import { decodeSnapshot, encodeSnapshot } from "../src/tail/snapshot.js";

const at = "2026-11-23T12:00:00.000Z";
const events = [
  { v: 1, id: "t1:0", type: "message.created", chatId: "c1", messageId: "u1", at, role: "user", text: "hi", clientId: "cm1" },
  { v: 1, id: "t1:1", type: "message.created", chatId: "c1", messageId: "a1", at, role: "assistant", text: "" },
  { v: 1, id: "t1:2", type: "message.delta", chatId: "c1", messageId: "a1", at, text: "Hello" },
  { v: 1, id: "r1:0", type: "chat.renamed", chatId: "c1", at, title: "Greetings" },
];

describe("snapshot", () => {
  test("round trip keeps messages, title, index and dedupe memory", () => {
    const state = materialize(events);
    const restored = decodeSnapshot(encodeSnapshot({ offset: "000000000000000000AB000000", state }))!;
    expect(restored.offset).toBe("000000000000000000AB000000");
    expect(restored.state.messages).toEqual(state.messages);
    expect(restored.state.title).toBe("Greetings");
    expect([...restored.state.index]).toEqual([...state.index]);
    expect([...restored.state.watermarks]).toEqual([...state.watermarks]);
    // Re-reading overlapping events after a restore changes nothing (dedupe survived).
    const replayed = foldAll(restored.state, events);
    expect(replayed.messages).toEqual(state.messages);
    expect(replayed.duplicates).toBe(state.duplicates + events.length);
  });

  test.each([null, "", "not json", "[]", '{"v":2,"offset":"-1","state":{}}', '{"v":1,"offset":"../x","state":{"messages":[],"watermarks":[]}}', '{"v":1,"offset":"-1","state":{"messages":[{}],"watermarks":[]}}'])(
    "%j is not a snapshot",
    (raw) => {
      expect(decodeSnapshot(raw)).toBeNull();
    },
  );
});
