/**
 * The English defaults of the few texts the shell shows before the view chunk loads (the
 * launcher's name, its unread suffix, the panel's name and loading state). They live here, not in
 * strings.ts, so the loader carries these six and not the whole table; strings.ts spreads them
 * into `DEFAULT_STRINGS`, so each key still has one English default.
 */
/** The shell's keys of `OpenChatStrings` (same names and types; strings.ts builds on these, not the other way). */
export interface LauncherStrings {
  title: string;
  openChat: string;
  closeChat: string;
  unread: (count: number) => string;
  loading: string;
  loadFailed: string;
}

export const LAUNCHER_STRINGS: LauncherStrings = {
  title: "Chat",
  openChat: "Open chat",
  closeChat: "Close chat",
  unread: (count) => `${count} unread`,
  loading: "Loading…",
  loadFailed: "The chat could not be loaded.",
};

/** The shell's texts: `overrides` (the locale's table under the `strings` property) over the English defaults. */
export function launcherStrings(overrides?: Partial<LauncherStrings> | null): LauncherStrings {
  return overrides ? { ...LAUNCHER_STRINGS, ...overrides } : LAUNCHER_STRINGS;
}
