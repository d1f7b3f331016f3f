import { describe, expect, it } from "vitest";
import { START_OFFSET, compareOffsets, isAfter, isValidOffset, maxOffset } from "../src/index.js";

describe("offsets", () => {
  const a = "0000000000000000000000000A";
  const b = "0000000000000000000000000B";

  it("orders -1 before everything and real offsets lexicographically", () => {
    expect(compareOffsets(START_OFFSET, a)).toBeLessThan(0);
    expect(compareOffsets(a, START_OFFSET)).toBeGreaterThan(0);
    expect(compareOffsets(a, b)).toBeLessThan(0);
    expect(compareOffsets(b, a)).toBeGreaterThan(0);
    expect(compareOffsets(a, a)).toBe(0);
    expect(maxOffset(a, b)).toBe(b);
    expect(isAfter(b, a)).toBe(true);
    expect(isAfter(a, a)).toBe(false);
  });

  it("validates offset syntax", () => {
    for (const ok of ["-1", a, "abc_DEF-123"]) expect(isValidOffset(ok)).toBe(true);
    for (const bad of ["", "-2", "a/b", "x".repeat(65), 5, null, "../etc"]) expect(isValidOffset(bad)).toBe(false);
  });
});
