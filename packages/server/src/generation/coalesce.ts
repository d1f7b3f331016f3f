/**
 * Group commit's batching rule for generations: consecutive `message.delta` events of one
 * message become one event (text concatenated, the later id and time), so a batch written
 * while the previous append was in flight costs one record, not one per token.
 */
import { EVENT_TYPE, type ChatEvent, type MessageDeltaEvent } from "@open-chat/shared";

/** Merged deltas stop growing here, far below the protocol's per-event limit. */
export const MAX_MERGED_DELTA_CHARS = 16 * 1024;

export function coalesceDeltas(events: ChatEvent[]): ChatEvent[] {
  const out: ChatEvent[] = [];
  for (const event of events) {
    const last = out.at(-1);
    if (
      last?.type === EVENT_TYPE.messageDelta &&
      event.type === EVENT_TYPE.messageDelta &&
      last.messageId === event.messageId &&
      last.text.length + event.text.length <= MAX_MERGED_DELTA_CHARS
    ) {
      out[out.length - 1] = { ...event, text: last.text + event.text } satisfies MessageDeltaEvent;
    } else {
      out.push(event);
    }
  }
  return out;
}
