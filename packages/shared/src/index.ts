/**
 * @open-chat/shared — the Open Chat event protocol v1 (types and runtime validation), the one
 * fold from events to messages, offset helpers and error codes. See PROTOCOL.md.
 *
 * @example
 * import { materialize, parseEventJson } from "@open-chat/shared";
 * const state = materialize(lines.map((line) => JSON.parse(line)));
 * for (const message of state.messages) console.log(message.role, message.text);
 */
export {
  PROTOCOL_VERSION,
  START_OFFSET,
  HEADER,
  QUERY,
  LIVE_MODE,
  SSE_EVENT,
  EVENT_TYPE,
  LIMITS,
  type LiveMode,
  type EventType,
} from "./constants.js";
export { API_PATH, CHAT_ROUTE } from "./paths.js";
export { ERROR_CODES, isErrorCode, readErrorBody, type ErrorCode, type ErrorBody } from "./errors.js";
export {
  EVENT_ID_PATTERN,
  EVENT_SCHEMAS,
  AttachmentSchema,
  UsageSchema,
  RoleSchema,
  type Role,
  type Attachment,
  type Usage,
  type ChatEvent,
  type TerminalEvent,
  type EventPayload,
  type MessageCreatedEvent,
  type MessageDeltaEvent,
  type MessageCompletedEvent,
  type MessageErrorEvent,
  type MessageStoppedEvent,
  type MessageSelectedEvent,
  type MessageFeedbackEvent,
  type FeedbackRating,
  type GenerationStartedEvent,
  type GenerationResumedEvent,
  type ChatRenamedEvent,
  type ChatDeletedEvent,
} from "./events.js";
export {
  parseEvent,
  parseEventJson,
  parseEventId,
  formatEventId,
  type EventParseResult,
  type EventValidationError,
  type EventErrorCode,
} from "./validate.js";
export {
  fold,
  foldAll,
  materialize,
  isTerminal,
  findMessage,
  EMPTY_CHAT_STATE,
  ROOT_PARENT,
  type ChatState,
  type ChatMessage,
  type MessageStatus,
} from "./fold.js";
export { currentThread, messageVersions, threadTo, type MessageVersions } from "./thread.js";
export { isValidOffset, compareOffsets, maxOffset, isAfter } from "./offsets.js";
export { type TailControl } from "./control.js";
