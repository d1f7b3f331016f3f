import { describe, expect, it } from "vitest";
import { readErrorBody } from "../src/index.js";

describe("readErrorBody", () => {
  it("reads code, message and a valid retryAfterMs", () => {
    expect(readErrorBody({ error: { code: "generation_in_progress", message: "busy", retryAfterMs: 1500 } })).toEqual({ code: "generation_in_progress", message: "busy", retryAfterMs: 1500 });
    expect(readErrorBody({ error: { code: "x" } })).toEqual({ code: "x", message: "x" });
  });

  it("drops a retryAfterMs that is not a finite, non-negative number", () => {
    for (const retryAfterMs of [-1, "5", Number.NaN, Number.POSITIVE_INFINITY, null]) {
      expect(readErrorBody({ error: { code: "x", message: "m", retryAfterMs } })).toEqual({ code: "x", message: "m" });
    }
  });

  it("is null for anything that is not an error body", () => {
    for (const value of [null, "x", 1, {}, { error: null }, { error: { message: "no code" } }]) expect(readErrorBody(value)).toBeNull();
  });
});
