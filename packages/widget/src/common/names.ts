/**
 * Every name the widget puts on the wire of the page, written once: tag names, event names and
 * the internal events the launcher shell and the full view exchange inside the shadow root.
 */

/** The public element. */
export const TAG = "open-chat";
/** The full chat UI, defined by the lazily loaded chunk and mounted inside `<open-chat>`. */
export const VIEW_TAG = "open-chat-view";
/** One transcript message (renders into its parent's shadow root). */
export const MESSAGE_TAG = "open-chat-message";

/** Public events. All bubble and are composed (they cross shadow roots). */
export const EVENTS = {
  ready: "open-chat:ready",
  message: "open-chat:message",
  error: "open-chat:error",
  open: "open-chat:open",
  close: "open-chat:close",
  unread: "open-chat:unread",
} as const;

/** Internal (non-composed) event: the view's close button asks the shell to close. */
export const CLOSE_REQUEST = "open-chat-view:close";

/** Parts of the view that `<open-chat>` forwards with `exportparts`. */
export const VIEW_PARTS = [
  "header",
  "title",
  "status",
  "toggle-list-button",
  "new-chat-button",
  "close-button",
  "chat-list",
  "chat-item",
  "transcript",
  "day-separator",
  "greeting",
  "message",
  "message-user",
  "message-assistant",
  "message-content",
  "message-error",
  "message-stalled",
  "saved",
  "copy-button",
  "retry-button",
  // Version actions under a message (view/message-actions.ts).
  "versions",
  "version-previous",
  "version-index",
  "version-next",
  "regenerate-button",
  "feedback-up",
  "feedback-down",
  "feedback-form",
  "feedback-comment",
  "feedback-send",
  "feedback-cancel",
  "feedback-thanks",
  "edit-button",
  "edit-form",
  "edit-input",
  "edit-save",
  "edit-cancel",
  "composer",
  "input",
  "send-button",
  "stop-button",
  "error",
  "error-details",
  "counter",
  "starter-prompts",
  "starter-prompt",
  "confirm-delete-button",
  "cancel-delete-button",
] as const;
