/**
 * Reads a `text/event-stream` body with `eventsource-parser` (not the browser's EventSource,
 * which cannot send an Authorization header) and turns the tail's frames into typed callbacks:
 * `event: data` (a JSON array batch) and `event: control` (a {@link TailControl}). Frames that
 * cannot be parsed are reported as malformed and skipped; the stream keeps going.
 */
import { createParser } from "eventsource-parser";
import { SSE_EVENT, isValidOffset, type TailControl } from "@open-chat/shared";

export interface FrameHandlers {
  onBatch(events: unknown[]): void;
  onControl(control: TailControl): void;
  onMalformed(reason: string): void;
  /** Any bytes arrived (frames, comments, heartbeats). */
  onActivity(): void;
}

/** Parses one `event: control` payload; null when it is not a valid control object. */
export function parseControl(data: string): TailControl | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const control = value as Record<string, unknown>;
  if (!isValidOffset(control.streamNextOffset)) return null;
  const result: TailControl = { streamNextOffset: control.streamNextOffset };
  if (typeof control.streamCursor === "string") result.streamCursor = control.streamCursor;
  if (control.upToDate === true) result.upToDate = true;
  if (control.streamClosed === true) result.streamClosed = true;
  return result;
}

/** Parses one `event: data` payload; null unless it is a JSON array. */
export function parseBatch(data: string): unknown[] | null {
  try {
    const value: unknown = JSON.parse(data);
    return Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** Reads `body` to its end (or until `signal` aborts, which rejects). */
export async function readEventStream(body: ReadableStream<Uint8Array>, handlers: FrameHandlers, signal: AbortSignal): Promise<void> {
  const parser = createParser({
    onEvent(message) {
      if (message.event === SSE_EVENT.data) {
        const batch = parseBatch(message.data);
        if (batch) handlers.onBatch(batch);
        else handlers.onMalformed("data frame is not a JSON array");
      } else if (message.event === SSE_EVENT.control) {
        const control = parseControl(message.data);
        if (control) handlers.onControl(control);
        else handlers.onMalformed("control frame without a valid streamNextOffset");
      }
      // Other event names are not part of the tail protocol: ignored, like EventSource does.
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const cancel = () => void reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener("abort", cancel, { once: true });
  try {
    if (signal.aborted) throw signal.reason;
    for (;;) {
      const { value, done } = await reader.read();
      if (signal.aborted) throw signal.reason;
      if (done) break;
      handlers.onActivity();
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    signal.removeEventListener("abort", cancel);
    reader.releaseLock();
  }
}
