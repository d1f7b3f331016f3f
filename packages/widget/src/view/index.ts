/**
 * `@open-chat/widget/view`: the full chat UI, eagerly. Import it next to the main entry to skip
 * the lazy load (e.g. an app that shows the chat inline on every page anyway).
 *
 * @example
 * import "@open-chat/widget";
 * import "@open-chat/widget/view";
 */
export { OpenChatView } from "./open-chat-view.js";
/** The English strings table (the main entry exports only its type: the loader carries just the launcher's texts). */
export { DEFAULT_STRINGS } from "../common/strings.js";
export { OpenChatMessage } from "./open-chat-message.js";
export { ChatController, type ChatConfig, type QueuedSend, type ViewStatus } from "./chat-controller.js";
export { renderMarkdown, markdownToHtml, MarkdownBlocks } from "../markdown/render.js";
export { sanitize, safeUrl, type SanitizeOptions } from "../markdown/sanitize.js";
