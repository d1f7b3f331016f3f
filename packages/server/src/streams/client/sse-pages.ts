/**
 * Pages of a streams-tier SSE read (`live=sse`): the tier sends each batch as a `data` event
 * (a JSON array of records) followed by a `control` event (`streamNextOffset`, `upToDate`,
 * `streamCursor`), and a lone `control` event when an idle wait ends. One page per control
 * event, exactly as a catch-up read from the previous page's offset would have returned it.
 */
import { createParser } from "eventsource-parser";
import type { ReadResult } from "./types.js";
import { STREAMS_SSE, type StreamsSseControl } from "./wire.js";

/** Thrown for a body that does not follow the protocol (the caller wraps it with the request). */
export class SseProtocolError extends Error {
  override readonly name = "SseProtocolError";
}

/** The pages of one SSE body; ends when the tier closes the stream (`streamClosed`) or the body ends. */
export async function* ssePages(chunks: AsyncIterable<string>): AsyncGenerator<ReadResult> {
  let records: unknown[] | undefined;
  const ready: ReadResult[] = [];
  let closed = false;
  let failure: SseProtocolError | undefined;
  const parser = createParser({
    onEvent(event) {
      if (failure) return;
      if (event.event === STREAMS_SSE.dataEvent) {
        const parsed = parseJson(event.data);
        if (!Array.isArray(parsed)) failure = new SseProtocolError("an SSE data event is not a JSON array");
        else records = records ? records.concat(parsed) : parsed;
      } else if (event.event === STREAMS_SSE.controlEvent) {
        const control = parseJson(event.data) as StreamsSseControl | undefined;
        if (typeof control?.streamNextOffset !== "string") {
          failure = new SseProtocolError("an SSE control event without streamNextOffset");
          return;
        }
        const page: ReadResult = { records: records ?? [], nextOffset: control.streamNextOffset, upToDate: control.upToDate === true };
        if (control.streamCursor) page.cursor = control.streamCursor;
        ready.push(page);
        records = undefined;
        closed ||= control.streamClosed === true;
      }
    },
  });
  for await (const chunk of chunks) {
    parser.feed(chunk);
    if (failure) throw failure;
    while (ready.length > 0) yield ready.shift()!;
    if (closed) return;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
