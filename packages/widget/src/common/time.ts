/**
 * Dates for people, in the element's locale: a message's relative time ("2 minutes ago"), its
 * exact time (hover and focus), a transcript's day label ("Today", "Monday, 3 March"), and one
 * shared, coarse clock that tells every visible timestamp when it may have changed.
 *
 * @example
 * relativeTime(new Date(Date.now() - 120_000), Date.now(), "en"); // "2 minutes ago"
 * exactTime(new Date(), "de");                                   // "30.11.2026, 03:13"
 * dayLabel(new Date(), "fr");                                    // "Aujourd’hui"
 * const stop = clock.subscribe(() => row.requestUpdate());
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.RelativeTimeFormat | Intl.DateTimeFormat>();

/** One formatter per locale and style; an invalid locale tag falls back to the browser's own. */
function formatter<F extends Intl.RelativeTimeFormat | Intl.DateTimeFormat>(make: (locale: string | undefined) => F, locale: string | undefined, key: string): F {
  const id = `${key}\u0000${locale ?? ""}`;
  let cached = formatters.get(id) as F | undefined;
  if (!cached) {
    try {
      cached = make(locale || undefined);
    } catch {
      cached = make(undefined); // RangeError: a `lang` that is no BCP 47 tag
    }
    formatters.set(id, cached);
  }
  return cached;
}

const relative = (locale: string | undefined) => formatter((l) => new Intl.RelativeTimeFormat(l, { numeric: "auto" }), locale, "relative");

/**
 * `date` relative to `now` (ms since the epoch), coarse: "now" under 45 s, then minutes, hours,
 * days; a week or more ago reads as the date itself.
 */
export function relativeTime(date: Date, now: number, locale?: string): string {
  const ago = now - date.getTime();
  const size = Math.abs(ago);
  if (size < 45 * SECOND) return relative(locale).format(0, "second");
  if (size < 45 * MINUTE) return relative(locale).format(-Math.round(ago / MINUTE), "minute");
  if (size < 22 * HOUR) return relative(locale).format(-Math.round(ago / HOUR), "hour");
  if (size < 7 * DAY) return relative(locale).format(-Math.round(ago / DAY), "day");
  return formatter((l) => new Intl.DateTimeFormat(l, { dateStyle: "medium" }), locale, "date").format(date);
}

/** The exact date and time, e.g. "30 Nov 2026, 03:13" (the title and label of a timestamp). */
export function exactTime(date: Date, locale?: string): string {
  return formatter((l) => new Intl.DateTimeFormat(l, { dateStyle: "medium", timeStyle: "short" }), locale, "exact").format(date);
}

const startOfDay = (time: number) => new Date(time).setHours(0, 0, 0, 0);

/** A day separator's label: "Today", "Yesterday", else the weekday and date (the year when not this year's). */
export function dayLabel(date: Date, locale?: string, now: number = Date.now()): string {
  const days = Math.round((startOfDay(now) - startOfDay(date.getTime())) / DAY);
  if (days === 0 || days === 1) {
    const label = relative(locale).format(-days, "day");
    return label.charAt(0).toLocaleUpperCase(locale || undefined) + label.slice(1);
  }
  const sameYear = new Date(now).getFullYear() === date.getFullYear();
  const key = sameYear ? "day" : "day-year";
  return formatter((l) => new Intl.DateTimeFormat(l, { weekday: "long", day: "numeric", month: "long", year: sameYear ? undefined : "numeric" }), locale, key).format(date);
}

/**
 * One timer for every timestamp on the page: listeners run every `periodMs` while there are any,
 * and at once when the page becomes visible again (background tabs throttle timers). A listener
 * recomputes its label and re-renders only if the label changed.
 */
export class Clock {
  /** The current time in ms; replaceable (tests). */
  now: () => number = () => Date.now();
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly onVisible = () => {
    if (document.visibilityState === "visible") this.tick();
  };

  constructor(readonly periodMs: number) {}

  /** Calls `listener` on every tick. Returns the unsubscribe function (the last one stops the timer). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.periodMs);
      document.addEventListener("visibilitychange", this.onVisible);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0 || !this.timer) return;
      clearInterval(this.timer);
      this.timer = undefined;
      document.removeEventListener("visibilitychange", this.onVisible);
    };
  }

  /** Runs every listener now. */
  tick(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** The page's timestamp clock: relative labels change at most once a minute, so a coarse tick suffices. */
export const clock = new Clock(30 * SECOND);
