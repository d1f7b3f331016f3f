/**
 * Whole-chat reads from the streams tier: follows `nextOffset` until up to date (the tier
 * returns at most ~1000 records per response). Used for prompt history and server replay.
 */
import { START_OFFSET } from "@open-chat/shared";
import type { StreamsClient } from "../streams/client/types.js";

export async function readChat(
  streams: Pick<StreamsClient, "read">,
  stream: string,
  key: string,
  from: string = START_OFFSET,
): Promise<{ records: unknown[]; nextOffset: string }> {
  const records: unknown[] = [];
  let offset = from;
  for (;;) {
    const page = await streams.read(stream, { offset, key });
    records.push(...page.records);
    offset = page.nextOffset;
    if (page.upToDate || page.records.length === 0) return { records, nextOffset: offset };
  }
}
