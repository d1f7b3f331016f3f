/**
 * Runtime validation of events. Returns typed results and never throws: the fold, the SDK and
 * the server all treat bad input as data to count or reject, not as an exception.
 */
import * as v from "valibot";
import { EVENT_TYPE, LIMITS, PROTOCOL_VERSION } from "./constants.js";
import { EVENT_SCHEMAS, EVENT_ID_PATTERN, type ChatEvent } from "./events.js";
import { isValidDelta } from "./fast-delta.js";

export type EventErrorCode =
  | "invalid_json"
  | "event_invalid"
  | "event_too_large"
  | "event_unsupported_version"
  | "event_unknown_type";

export interface EventValidationError {
  code: EventErrorCode;
  message: string;
}

export type EventParseResult =
  | { ok: true; event: ChatEvent }
  | { ok: false; error: EventValidationError };

const fail = (code: EventErrorCode, message: string): EventParseResult => ({
  ok: false,
  error: { code, message },
});

/** Validates an already-parsed value as a protocol v1 event. */
export function parseEvent(input: unknown): EventParseResult {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return fail("event_invalid", "event must be a JSON object");
  }
  const { v: version, type } = input as { v?: unknown; type?: unknown };
  if (version !== PROTOCOL_VERSION) {
    return fail(
      "event_unsupported_version",
      `unsupported protocol version ${JSON.stringify(version)}; expected ${PROTOCOL_VERSION}`,
    );
  }
  if (type === EVENT_TYPE.messageDelta && isValidDelta(input)) return { ok: true, event: input };
  const schema =
    typeof type === "string" && Object.hasOwn(EVENT_SCHEMAS, type)
      ? EVENT_SCHEMAS[type as keyof typeof EVENT_SCHEMAS]
      : undefined;
  if (!schema) return fail("event_unknown_type", `unknown event type ${JSON.stringify(type)}`);
  const result = v.safeParse(schema, input);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
    return fail("event_invalid", `${type}: ${path ? `${path}: ` : ""}${issue.message}`);
  }
  return { ok: true, event: result.output as ChatEvent };
}

/** Validates one serialized event (e.g. a JSON line), enforcing the size limit first. */
export function parseEventJson(json: string): EventParseResult {
  // UTF-16 length is a lower bound on UTF-8 bytes; measure exactly only near the limit.
  if (json.length > LIMITS.maxEventBytes || utf8Length(json) > LIMITS.maxEventBytes) {
    return fail("event_too_large", `event exceeds ${LIMITS.maxEventBytes} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return fail("invalid_json", `malformed JSON: ${(error as Error).message}`);
  }
  return parseEvent(value);
}

function utf8Length(text: string): number {
  if (text.length * 3 <= LIMITS.maxEventBytes) return text.length; // cannot exceed
  return new TextEncoder().encode(text).byteLength;
}

/** Splits an event id into its producer and sequence number; null when malformed. */
export function parseEventId(id: string): { producer: string; seq: number } | null {
  return EVENT_ID_PATTERN.test(id) ? splitEventId(id) : null;
}

/** parseEventId for ids that already passed validation. */
export function splitEventId(id: string): { producer: string; seq: number } {
  const colon = id.lastIndexOf(":");
  return { producer: id.slice(0, colon), seq: Number(id.slice(colon + 1)) };
}

/** Builds an event id from a producer id and sequence number. */
export function formatEventId(producer: string, seq: number): string {
  return `${producer}:${seq}`;
}
