/**
 * Day separators of the transcript: a label ("Today", "Yesterday", a date in the locale) above the
 * first message of each calendar day (the reader's local days). Computed from the rows' creation
 * times, which never change, so the view recomputes it only when its rows change.
 */
import type { TailMessage } from "@open-chat/sdk";
import { dayLabel } from "../common/time.js";
import { keyOf } from "./completions.js";

const localDay = (date: Date) => `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;

/** Row key → the label to show above that row; only rows that start a day are present. */
export function dayBreaks(messages: readonly TailMessage[], locale: string | undefined, now = Date.now()): Map<string, string> {
  const breaks = new Map<string, string>();
  let previous = "";
  for (const message of messages) {
    const date = new Date(message.createdAt);
    if (Number.isNaN(date.getTime())) continue;
    const day = localDay(date);
    if (day !== previous) breaks.set(keyOf(message), dayLabel(date, locale, now));
    previous = day;
  }
  return breaks;
}
