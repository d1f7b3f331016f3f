/** Day separators: one label above the first message of each of the reader's calendar days. */
import { expect, test } from "vitest";
import { dayBreaks } from "../src/view/day-separators.js";

const at = (y: number, m: number, d: number, h: number) => new Date(y, m, d, h).toISOString();
const row = (id: string, createdAt: string) => ({ id, chatId: "c", role: "user", text: "", status: "completed", createdAt, updatedAt: createdAt, parentId: null }) as const;

test("a label above each day's first message: Today, Yesterday, then the date", () => {
  const now = new Date(2026, 10, 30, 12).getTime();
  const messages = [
    row("a", at(2026, 10, 20, 9)),
    row("b", at(2026, 10, 20, 23)),
    row("c", at(2026, 10, 29, 0)),
    row("d", at(2026, 10, 30, 8)),
    row("e", at(2026, 10, 30, 11)),
  ];
  const breaks = dayBreaks(messages, "en", now);
  expect([...breaks.keys()]).toEqual(["a", "c", "d"]);
  expect(breaks.get("d")).toBe("Today");
  expect(breaks.get("c")).toBe("Yesterday");
  expect(breaks.get("a")).toBe("Friday, November 20");
  expect(dayBreaks(messages, "de", now).get("c")).toBe("Gestern");
});

test("a pending message (keyed by its clientId) and a year ago", () => {
  const now = new Date(2026, 10, 30, 12).getTime();
  const old = { ...row("m1", at(2025, 0, 5, 10)), clientId: "c1" };
  expect([...dayBreaks([old], "en", now)]).toEqual([["c1", "Sunday, January 5, 2025"]]);
  expect(dayBreaks([row("x", "not a date")], "en", now).size).toBe(0);
});
