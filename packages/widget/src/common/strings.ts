/**
 * The widget's user-visible text. English defaults; pass a partial object as the `strings`
 * property to translate or reword (`el.strings = { send: "Senden" }`). `locale` sets the
 * element's `lang` (screen reader pronunciation) and number/date formatting.
 */
export interface OpenChatStrings {
  title: string;
  openChat: string;
  closeChat: string;
  /** Launcher label suffix while answers are unread, e.g. "2 unread". */
  unread: (count: number) => string;
  loading: string;
  loadFailed: string;
  chats: string;
  showChats: string;
  newChat: string;
  untitled: string;
  rename: (title: string) => string;
  renameInput: string;
  remove: (title: string) => string;
  confirmRemove: (title: string) => string;
  noChats: string;
  transcript: string;
  message: string;
  placeholder: string;
  send: string;
  stop: string;
  retry: string;
  copy: string;
  copied: string;
  saved: string;
  sending: string;
  sendFailed: string;
  you: string;
  assistant: string;
  stopped: string;
  failed: string;
  /** On a streaming answer that has had no event for a while (`stall-ms`): its server may be taking it over. */
  reconnectingAnswer: string;
  dismiss: string;
  image: string;
  /** An answer that ended without any text. */
  noAnswer: string;
  /** Tooltip of an answer's Copy action: it copies the whole answer as its markdown source. */
  copyMarkdown: string;
  /** The Copy button on a code block. */
  copyCode: string;
  /** Name of a table's sideways-scrolling region; `columns` are its header cells, e.g. "Name, Weight". */
  table: (columns: string) => string;
  /** A footnote reference button, e.g. "Footnote 1". */
  footnote: (number: string) => string;
  /** A footnote's link back to where it is referenced, e.g. "Back to reference 1". */
  footnoteBack: (number: string) => string;
  /** Heading of an answer's footnotes. */
  footnotes: string;
  status: Record<"idle" | "connecting" | "live" | "reconnecting" | "offline" | "closed", string>;
  // Credits (billing on): their English defaults live in the credits chunk (view/billing.ts), loaded only where billing is on.
  /** Title of the balance in the header. */
  balance?: string;
  addCredits?: string;
  /** The notice after a send was refused for lack of credits. */
  outOfCredits?: string;
  topUpOpened?: string;
  topUpFailed?: string;
}

export const DEFAULT_STRINGS: OpenChatStrings = {
  title: "Chat",
  openChat: "Open chat",
  closeChat: "Close chat",
  unread: (count) => `${count} unread`,
  loading: "Loading…",
  loadFailed: "The chat could not be loaded.",
  chats: "Chats",
  showChats: "Show chats",
  newChat: "New chat",
  untitled: "Untitled chat",
  rename: (title) => `Rename “${title}”`,
  renameInput: "Chat title",
  remove: (title) => `Delete “${title}”`,
  confirmRemove: (title) => `Confirm: delete “${title}”`,
  noChats: "No chats yet.",
  transcript: "Conversation",
  message: "Message",
  placeholder: "Ask anything…",
  send: "Send",
  stop: "Stop",
  retry: "Retry",
  copy: "Copy",
  copied: "Copied",
  saved: "Saved",
  sending: "Sending…",
  sendFailed: "Not sent",
  you: "You",
  assistant: "Assistant",
  stopped: "Stopped",
  failed: "The answer failed",
  reconnectingAnswer: "Reconnecting the answer…",
  dismiss: "Dismiss",
  image: "Image",
  noAnswer: "No answer",
  copyMarkdown: "Copy as Markdown",
  copyCode: "Copy code",
  table: (columns) => (columns ? `Table: ${columns}` : "Table"),
  footnote: (number) => `Footnote ${number}`,
  footnoteBack: (number) => `Back to reference ${number}`,
  footnotes: "Footnotes",
  status: {
    idle: "Not connected",
    connecting: "Connecting…",
    live: "Live",
    reconnecting: "Reconnecting…",
    offline: "Offline",
    closed: "Disconnected",
  },
};

export function resolveStrings(overrides?: Partial<OpenChatStrings> | null): OpenChatStrings {
  return overrides ? { ...DEFAULT_STRINGS, ...overrides, status: { ...DEFAULT_STRINGS.status, ...overrides.status } } : DEFAULT_STRINGS;
}
