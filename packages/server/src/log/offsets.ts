/**
 * The offsets clients see: `<incarnation>-<streams-tier offset>`. Opaque and sortable within a
 * chat, like the tier's own (the prefix is the same for every offset of one incarnation). An
 * offset whose incarnation is not the stream's current one is refused: the client resyncs
 * from `-1` with a clean state instead of skipping or repeating events (user-streams.ts).
 */
import { START_OFFSET } from "@open-chat/shared";

const SEPARATOR = "-";

export function toPublicOffset(incarnation: string, tierOffset: string): string {
  return tierOffset === START_OFFSET ? START_OFFSET : `${incarnation}${SEPARATOR}${tierOffset}`;
}

/** The tier's offset inside a client's offset, or null when it is of another incarnation. */
export function fromPublicOffset(incarnation: string, offset: string): string | null {
  if (offset === START_OFFSET) return START_OFFSET;
  const prefix = `${incarnation}${SEPARATOR}`;
  return offset.startsWith(prefix) ? offset.slice(prefix.length) : null;
}
