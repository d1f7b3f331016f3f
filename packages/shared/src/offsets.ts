/**
 * Offsets are opaque, sortable strings (Durable Streams): compare them, never parse them.
 * `-1` (START_OFFSET) means "before the first event" and sorts before every real offset.
 */
import { START_OFFSET } from "./constants.js";

/** Offsets the tail hands out: `-1` or 1-64 characters of [0-9A-Za-z_-], not starting with `-` or `_`. */
const OFFSET_PATTERN = /^(?:-1|[0-9A-Za-z][0-9A-Za-z_-]{0,63})$/;

export function isValidOffset(value: unknown): value is string {
  return typeof value === "string" && OFFSET_PATTERN.test(value);
}

/** Negative when a is before b, 0 when equal, positive when a is after b. */
export function compareOffsets(a: string, b: string): number {
  if (a === b) return 0;
  if (a === START_OFFSET) return -1;
  if (b === START_OFFSET) return 1;
  // Durable Streams offsets are fixed-width within a stream, so shorter sorts first only as
  // a tie-break for mixed widths; code-unit order is the spec's lexicographic order.
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : 1;
}

/** The later of two offsets. */
export function maxOffset(a: string, b: string): string {
  return compareOffsets(a, b) >= 0 ? a : b;
}

/** True when `candidate` is strictly after `current` (a cursor only ever moves forward). */
export function isAfter(candidate: string, current: string): boolean {
  return compareOffsets(candidate, current) > 0;
}
