/**
 * The widget's user-visible text. English defaults; pass a partial object as the `strings`
 * property to translate or reword (`el.strings = { send: "Senden" }`). `locale` sets the
 * element's `lang` (screen reader pronunciation) and number/date formatting.
 */
import { LAUNCHER_STRINGS } from "./launcher-strings.js";

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
  /** Delete confirmation step in the chat list: the question, e.g. "Delete “Trip plans”?". */
  confirmRemoveQuestion: (title: string) => string;
  /** The confirm step's destructive button. */
  confirmRemoveYes: string;
  /** The confirm step's cancel button. */
  cancel: string;
  /** Composer counter near the limit: characters used of the maximum. */
  characterCount: (used: number, max: number) => string;
  /** Composer text over the server's limit: it cannot be sent (the text is kept). */
  tooLong: (over: number) => string;
  /** Label of the disclosure that shows an error's developer text. */
  errorDetails: string;
  /** Error banner: the message is longer than the server accepts. */
  errorTooLong: string;
  /** Error banner: too many requests, or the previous answer is still running. */
  errorBusy: string;
  /** Error banner: the key, origin, sign-in or session was refused. */
  errorAccess: string;
  /** Error banner: the chat is gone (deleted, or another user's). */
  errorNotFound: string;
  /** Error banner and failed answers: the model failed or timed out. */
  errorModel: string;
  /** Error banner: the server could not be reached. */
  errorNetwork: string;
  /** Error banner: anything else. */
  errorGeneric: string;
  /** Label of the starter prompt chips on an empty chat. */
  starterPrompts: string;
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
  /** Name of the version switcher ("‹ 2/3 ›") under a regenerated answer or an edited question. */
  versions: string;
  /** The switcher's position as read out, e.g. "Version 2 of 3" (shown as "2/3"). */
  versionOf: (index: number, count: number) => string;
  /** The switcher's ‹ button. */
  previousVersion: string;
  /** The switcher's › button. */
  nextVersion: string;
  /** The action under an answer that writes another version of it. */
  regenerate: string;
  /** The action under a question that opens the inline editor. */
  edit: string;
  /** Label of the inline editor's text field. */
  editMessage: string;
  /** The inline editor's button that sends the edited question (a new version and its answer). */
  save: string;
  /** 👍 under an answer. */
  goodAnswer: string;
  /** 👎 under an answer. */
  badAnswer: string;
  /** Label of the optional comment field shown after a 👍/👎. */
  feedbackComment: string;
  /** The comment form's send button. */
  sendFeedback: string;
  /** Shown once a comment was sent. */
  feedbackThanks: string;
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

/** The English table. The shell's few texts come from launcher-strings.ts (the loader has only those). */
export const DEFAULT_STRINGS: OpenChatStrings = {
  ...LAUNCHER_STRINGS,
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
  confirmRemoveQuestion: (title) => `Delete “${title}”?`,
  confirmRemoveYes: "Delete",
  cancel: "Cancel",
  characterCount: (used, max) => `${used.toLocaleString()} / ${max.toLocaleString()}`,
  tooLong: (over) => `Too long by ${over.toLocaleString()} characters`,
  errorDetails: "Details",
  errorTooLong: "That message is too long to send. Shorten it and try again.",
  errorBusy: "Busy right now. Please wait a moment and try again.",
  errorAccess: "The chat is not available here right now. Reload the page and try again.",
  errorNotFound: "That chat no longer exists.",
  errorModel: "The assistant could not answer. Please try again.",
  errorNetwork: "Can’t reach the chat service. Check your connection and try again.",
  errorGeneric: "Something went wrong. Please try again.",
  starterPrompts: "Suggestions",
  image: "Image",
  noAnswer: "No answer",
  copyMarkdown: "Copy as Markdown",
  copyCode: "Copy code",
  table: (columns) => (columns ? `Table: ${columns}` : "Table"),
  footnote: (number) => `Footnote ${number}`,
  footnoteBack: (number) => `Back to reference ${number}`,
  footnotes: "Footnotes",
  versions: "Versions",
  versionOf: (index, count) => `Version ${index.toLocaleString()} of ${count.toLocaleString()}`,
  previousVersion: "Previous version",
  nextVersion: "Next version",
  regenerate: "Regenerate",
  edit: "Edit",
  editMessage: "Edit your message",
  save: "Save",
  goodAnswer: "Good answer",
  badAnswer: "Bad answer",
  feedbackComment: "Comment (optional)",
  sendFeedback: "Send feedback",
  feedbackThanks: "Thanks for your feedback",
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
