import { describe, expect, it } from "vitest";
import { LIMITS, formatEventId, parseEvent, parseEventId, parseEventJson } from "../src/index.js";
import { producer } from "./events.js";

describe("event validation", () => {
  const p = producer("p");

  it("accepts every valid event type", () => {
    const all = [
      p.created("a", "assistant", "", { model: "m", attachments: [{ kind: "image", url: "https://x.test/a.png", mimeType: "image/png" }] }),
      p.delta("a", "x"),
      p.started("a"),
      p.resumed("a"),
      p.completed("a"),
      p.error("a"),
      p.stopped("a"),
      p.renamed("t"),
      p.deleted(),
    ];
    for (const event of all) expect(parseEvent(event)).toEqual({ ok: true, event });
  });

  it("rejects malformed JSON with a typed error", () => {
    expect(parseEventJson("{not json")).toMatchObject({ ok: false, error: { code: "invalid_json" } });
  });

  it("rejects oversized events before parsing them", () => {
    const huge = JSON.stringify(p.delta("a", "x".repeat(LIMITS.maxEventBytes)));
    expect(parseEventJson(huge)).toMatchObject({ ok: false, error: { code: "event_too_large" } });
    // Multi-byte characters count in UTF-8 bytes, not UTF-16 units.
    const wide = JSON.stringify(p.delta("a", "é".repeat(LIMITS.maxEventBytes / 2)));
    expect(wide.length).toBeLessThan(LIMITS.maxEventBytes);
    expect(parseEventJson(wide)).toMatchObject({ ok: false, error: { code: "event_too_large" } });
  });

  it("rejects a wrong protocol version", () => {
    expect(parseEventJson(JSON.stringify({ ...p.delta("a", "x"), v: 2 }))).toMatchObject({
      ok: false,
      error: { code: "event_unsupported_version" },
    });
  });

  it("rejects unknown types and names the failing field", () => {
    expect(parseEvent({ ...p.delta("a", "x"), type: "nope" })).toMatchObject({ ok: false, error: { code: "event_unknown_type" } });
    const result = parseEvent({ ...p.completed("a"), usage: { inputTokens: -1, outputTokens: 0, costMicroUsd: 0 } });
    expect(result).toMatchObject({ ok: false, error: { code: "event_invalid" } });
    expect(!result.ok && result.error.message).toContain("usage.inputTokens");
  });

  it("rejects unsafe attachment URLs and unknown error codes", () => {
    const bad = p.created("b", "user", "", { attachments: [{ kind: "image", url: "not a url", mimeType: "image/png" }] });
    expect(parseEvent(bad).ok).toBe(false);
    expect(parseEvent({ ...p.error("a"), code: "made_up" }).ok).toBe(false);
  });

  it("round-trips event ids", () => {
    expect(parseEventId(formatEventId("gen_1.x", 42))).toEqual({ producer: "gen_1.x", seq: 42 });
    for (const bad of ["", "p", "p:", ":1", "p:01", "p:-1", "a b:1", `${"x".repeat(101)}:1`]) {
      expect(parseEventId(bad)).toBeNull();
    }
  });
});
