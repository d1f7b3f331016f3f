/**
 * `GET /v1/chats/:chatId/events` — the chat tail (PROTOCOL.md section 5): a read-only,
 * authenticated, per-chat view of the user's stream speaking the Durable Streams read
 * protocol: catch-up (JSON array), `live=long-poll`, `live=sse`.
 *
 * A live tail (SSE, or a long-poll that waits) holds one of the user's and the process's tail
 * slots (limits/tail-slots.ts) until it ends or the client goes away; past either cap it is
 * refused with 429 `rate_limited` before anything is read. Live SSE tails share one upstream
 * read per user stream in this process (`services.streamHub`, log/stream-hub.ts).
 */
import { Hono, type Context } from "hono";
import { describeRoute } from "hono-openapi";
import { CHAT_ROUTE, HEADER, LIVE_MODE, QUERY, START_OFFSET, isValidOffset } from "@open-chat/shared";
import type { AppEnv } from "../env.js";
import type { WatchedSession } from "../auth/live-sessions.js";
import type { TailSlot } from "../limits/tail-slots.js";
import { ApiError } from "../http/api-error.js";
import { respondWithSse, type SseBody, type SseFailure } from "../http/raw-sse.js";
import { isPastEnd } from "../log/past-end.js";
import { pipeSseView, type SseViewOptions } from "../log/sse-view.js";
import { fromPublicOffset, toPublicOffset } from "../log/offsets.js";
import { chatKey } from "../log/stream-names.js";
import { StreamsError } from "../streams/client/errors.js";
import type { Services } from "../services.js";
import { CHAT_DOCS } from "./chat-docs.js";

export function eventRoutes(services: Services) {
  const { streams, settings, streamHub: hub } = services;

  return new Hono<AppEnv>().get(CHAT_ROUTE.events, describeRoute(CHAT_DOCS.events), async (c) => {
    const user = c.var.user;
    const chat = await services.chats.get(user, c.req.param("chatId"));
    const live = c.req.query(QUERY.live);
    if (live !== undefined && live !== LIVE_MODE.sse && live !== LIVE_MODE.longPoll) {
      throw new ApiError(400, "invalid_request", `live: must be "${LIVE_MODE.sse}" or "${LIVE_MODE.longPoll}"`);
    }
    // For SSE reconnects the browser-style Last-Event-ID wins over the query parameter.
    const asked = (live === LIVE_MODE.sse ? c.req.header(HEADER.lastEventId) : undefined) ?? c.req.query(QUERY.offset) ?? START_OFFSET;
    if (!isValidOffset(asked)) throw new ApiError(400, "invalid_offset", `offset: ${JSON.stringify(asked)} is not an offset of this chat`);
    // A chat whose stream has never been written (created before any send) reads as empty.
    const { name: stream, incarnation } = await services.ensureUserStream(user);
    const offset = fromPublicOffset(incarnation, asked);
    if (offset === null) {
      throw new ApiError(400, "invalid_offset", "offset: from an earlier incarnation of this chat's log (it was restored or recreated); read again from -1 with a clean state");
    }
    const key = chatKey(chat.id);

    if (live === LIVE_MODE.sse) {
      const session = c.var.session;
      const slot = await services.limits.openTail(user);
      let first: Awaited<ReturnType<typeof readChecked>>;
      try {
        first = await probe(() => readChecked(streams, stream, { offset, key }));
      } catch (error) {
        slot.release();
        throw error;
      }
      // The tail's body and error report are made outside this handler (see liveTail).
      const tail = liveTail(services, { token: session.token, userId: user.id }, slot, incarnation, { hub, heartbeats: services.heartbeats, stream, chatId: chat.id, key, offset, first, ...settings.tail });
      return respondWithSse(c, tail.body, tail.onError);
    }

    const page = await probe(async () => {
      const read = { offset, key, signal: c.req.raw.signal };
      const first = await readChecked(streams, stream, read);
      // Long-poll only waits when the catch-up found nothing new; the wait holds a tail slot.
      if (live !== LIVE_MODE.longPoll || first.records.length > 0 || !first.upToDate) return first;
      const slot = await services.limits.openTail(user);
      try {
        return await streams.read(stream, { ...read, live: LIVE_MODE.longPoll, timeoutMs: settings.tail.longPollMs });
      } finally {
        slot.release();
      }
    });
    setTailHeaders(c, toPublicOffset(incarnation, page.nextOffset), page.upToDate, page.cursor);
    if (live === LIVE_MODE.longPoll && page.records.length === 0) return c.body(null, 204);
    return c.json(page.records);
  });
}

/**
 * The body of one live SSE tail and its error report. Made outside the route handler: a
 * closure made inside it would keep the request's whole context alive with the tail (hours).
 * Exported for its test only.
 */
export function liveTail(
  services: Services,
  session: WatchedSession,
  slot: TailSlot,
  incarnation: string,
  view: Omit<SseViewOptions, "watchRevocation" | "publicOffset">,
): { body: SseBody; onError: SseFailure } {
  // The closures below never name `view`: they would keep it — and its catch-up page, up to a
  // page of events — for as long as the tail is open. The page is handed over once, then dropped.
  const { chatId } = view;
  let opening: Omit<SseViewOptions, "watchRevocation" | "publicOffset"> | undefined = view;
  // Not an async function: an idle tail then holds no suspended frame of its own.
  const body: SseBody = (sse) => {
    const options = opening!;
    opening = undefined;
    // Released as soon as the client goes away, and in any case when the view ends.
    sse.onAbort(() => slot.release());
    const piped = pipeSseView(sse, {
      ...options,
      publicOffset: (o) => toPublicOffset(incarnation, o),
      // A sign-out (or the user's deletion) ends a live tail within sessionCheckMs.
      watchRevocation: (end) => services.liveSessions.watch(session, end),
    });
    return piped.finally(() => slot.release());
  };
  // The client reconnects from its last id; one line is enough.
  const onError: SseFailure = (error) => console.warn(`[open-chat] tail of ${chatId} ended: ${error.message}`);
  return { body, onError };
}

function setTailHeaders(c: Context, nextOffset: string, upToDate: boolean, cursor?: string) {
  c.header(HEADER.streamNextOffset, nextOffset);
  if (upToDate) c.header(HEADER.streamUpToDate, "true");
  if (cursor) c.header(HEADER.streamCursor, cursor);
  // Never the streams tier's `immutable` caching: a tail is per user and always fresh.
  c.header("Cache-Control", "no-store");
}

/** The first catch-up page from `offset`, or 400 when the offset lies beyond the chat's end. */
async function readChecked(streams: Services["streams"], stream: string, read: { offset: string; key: string; signal?: AbortSignal }) {
  const page = await streams.read(stream, read);
  if (await isPastEnd(streams, stream, read.key, read.offset, page)) {
    throw new ApiError(400, "invalid_offset", "offset: beyond the end of this chat; read again from -1");
  }
  return page;
}

/** Maps streams-tier failures of the first read to API errors before anything is sent. */
async function probe<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (error instanceof StreamsError && error.status === 400) {
      throw new ApiError(400, "invalid_offset", "offset: not an offset of this chat", { cause: error });
    }
    if (error instanceof StreamsError) throw new ApiError(503, "streams_unavailable", "the message log is unavailable; retry", { cause: error });
    throw error;
  }
}
