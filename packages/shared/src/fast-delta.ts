/**
 * The hot path of validation. `message.delta` is nearly every event of a log, and valibot's
 * object parse costs ~0.6 µs per event — too slow for the fold's 2M events/s target. This is a
 * hand-written check of exactly what `MessageDeltaSchema` accepts; a property test proves the
 * two agree, and every other event type goes through valibot.
 */
import { ISO_TIMESTAMP_REGEX } from "valibot";
import { EVENT_TYPE, LIMITS, PROTOCOL_VERSION } from "./constants.js";
import { EVENT_ID_PATTERN, type MessageDeltaEvent } from "./events.js";

const isId = (value: unknown): boolean =>
  typeof value === "string" && value.length >= 1 && value.length <= LIMITS.maxIdLength;

export function isValidDelta(input: object): input is MessageDeltaEvent {
  const e = input as Record<string, unknown>;
  return (
    e.v === PROTOCOL_VERSION &&
    e.type === EVENT_TYPE.messageDelta &&
    typeof e.text === "string" &&
    isId(e.chatId) &&
    isId(e.messageId) &&
    typeof e.id === "string" &&
    EVENT_ID_PATTERN.test(e.id) &&
    typeof e.at === "string" &&
    ISO_TIMESTAMP_REGEX.test(e.at)
  );
}
