/** The hand-written delta check must accept exactly what valibot's MessageDeltaSchema accepts. */
import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { EVENT_SCHEMAS } from "../src/index.js";
import { isValidDelta } from "../src/fast-delta.js";

const valid = { v: 1, type: "message.delta", id: "gen_1:5", chatId: "c1", messageId: "m1", at: "2026-11-23T12:00:00.000Z", text: "hi" };

/** Each field either valid, or replaced by a nasty variant. */
const mutated = fc.record({
  v: fc.constantFrom<unknown>(1, 2, "1", undefined, 1.0),
  type: fc.constantFrom<unknown>("message.delta", "message.deltas", undefined),
  id: fc.oneof(fc.constantFrom<unknown>("gen_1:5", "p:0", "p:01", ":1", "a b:1", "x:1e3", `${"x".repeat(100)}:1`, `${"x".repeat(101)}:1`, 7), fc.string()),
  chatId: fc.oneof(fc.constantFrom<unknown>("c", "", "x".repeat(128), "x".repeat(129), null), fc.string()),
  messageId: fc.oneof(fc.constantFrom<unknown>("m", "", "x".repeat(129), 1), fc.string()),
  at: fc.oneof(fc.constantFrom<unknown>(valid.at, "2026-11-23T12:00:00Z", "2026-11-23 12:00:00+01:00", "2026-13-01T00:00:00Z", "yesterday", 0), fc.string()),
  text: fc.oneof(fc.string(), fc.constantFrom<unknown>(null, 5, undefined)),
}, { requiredKeys: [] });

describe("isValidDelta", () => {
  it("agrees with MessageDeltaSchema on valid, mutated and missing fields", () => {
    fc.assert(
      fc.property(mutated, fc.dictionary(fc.string(), fc.anything(), { maxKeys: 2 }), (fields, extra) => {
        const input = { ...extra, ...fields };
        expect(isValidDelta(input)).toBe(v.safeParse(EVENT_SCHEMAS["message.delta"], input).success);
      }),
      { numRuns: 2000 },
    );
    expect(isValidDelta(valid)).toBe(true);
  });
});
