/**
 * Is an offset past the END of a chat's log? The streams tier answers a read from an offset beyond the end of the log with an empty,
 * not-up-to-date page (and a made-up next offset) instead of an error. Such an offset was never
 * handed out by this chat — or the tier lost the end of its log after a crash (ENVIRONMENT.md) — so the
 * client must resync from -1: we answer `400 invalid_offset` rather than wait forever.
 */
import { compareOffsets } from "@open-chat/shared";
import type { ReadResult, StreamsClient } from "../streams/client/types.js";

export async function isPastEnd(streams: Pick<StreamsClient, "read">, stream: string, key: string, offset: string, page: ReadResult): Promise<boolean> {
  if (page.records.length > 0 || page.upToDate) return false;
  const end = await streams.read(stream, { offset: "now", key });
  return compareOffsets(offset, end.nextOffset) > 0;
}
