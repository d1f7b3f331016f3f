/**
 * The network side of a tail: one `live=sse` request at a time against
 * `GET /v1/chats/:id/events`, resumed from the cursor's offset (`offset=` and `Last-Event-ID`),
 * reconnected with exponential backoff + full jitter after errors or a stream end, immediately
 * when the network comes back or the page wakes, and paused while offline. It reports its status
 * to the cursor and moves it with each control frame; when the offset is refused or a control
 * frame is behind it, it resyncs the cursor, tells `onResync` (the fold starts over from the
 * empty state) and reconnects from -1. Batches go to `onBatch`.
 */
import { API_PATH, HEADER, LIVE_MODE, QUERY, START_OFFSET, type TailControl } from "@open-chat/shared";
import { backoffDelay, pause, type Backoff } from "../backoff.js";
import { OpenChatError, TransportError } from "../errors.js";
import type { Http } from "../http.js";
import type { NetworkSignal } from "../network.js";
import type { TailStats } from "../types.js";
import type { TailCursor } from "./cursor.js";
import { readEventStream } from "./sse.js";

export interface TailConnectionDeps {
  chatId: string;
  http: Http;
  network: NetworkSignal;
  backoff: Backoff;
  /** Abort and reconnect when nothing (not even a heartbeat) arrived for this long. */
  staleAfterMs: number;
  stats: TailStats;
  /** Where the offset lives: read on every connect, advanced by control frames. */
  cursor: TailCursor;
  onBatch(events: unknown[]): void;
  /** A control frame moved the cursor (its batch is applied): persist, relay. */
  onControl(control: TailControl): void;
  /** The cursor went back to -1 (offset refused, or a control frame behind it): the log is re-read from the start. */
  onResync(): void;
  onMalformed(reason: string): void;
}

export type ConnectionEnd = { reason: "closed" } | { reason: "deleted"; error?: Error } | { reason: "error"; error: Error };

/** Why we aborted a connection ourselves (`restart`: the cursor was resynced). */
type AbortTag = "closed" | "offline" | "stale" | "restart" | "reconnect";

export class TailConnection {
  private readonly kick = new Set<() => void>();
  private current: AbortController | null = null;
  private lastActivity = 0;

  constructor(
    private readonly deps: TailConnectionDeps,
    private readonly signal: AbortSignal,
  ) {}

  /** Reconnects now: ends a waiting backoff, or restarts an open connection. */
  reconnect(): void {
    if (this.current) this.current.abort("reconnect" satisfies AbortTag);
    for (const wake of [...this.kick]) wake();
  }

  async run(): Promise<ConnectionEnd> {
    const { deps, signal } = this;
    const stopListening = deps.network.onChange((online) => {
      if (!online) this.current?.abort("offline" satisfies AbortTag);
    });
    // Back from sleep or a hidden tab: a connection silent for a while may be dead without an
    // error (mobile radios, suspended timers). Reconnecting is cheap and resumes exactly.
    const stopWaking =
      deps.network.onWake?.(() => {
        if (this.current && Date.now() - this.lastActivity > deps.staleAfterMs / 2) this.current.abort("reconnect" satisfies AbortTag);
      }) ?? (() => {});
    try {
      let attempt = 0;
      let connectedOnce = false;
      let lastError: Error | undefined;
      while (!signal.aborted) {
        if (!deps.network.isOnline()) {
          deps.cursor.setStatus("offline", lastError);
          await pause(Number.POSITIVE_INFINITY, { signal, network: deps.network, kick: this.kick });
          continue;
        }
        deps.cursor.setStatus(connectedOnce ? "reconnecting" : "connecting", lastError);
        const controller = new AbortController();
        this.current = controller;
        const onClose = () => controller.abort("closed" satisfies AbortTag);
        signal.addEventListener("abort", onClose, { once: true });
        let outcome: { deleted: boolean; sawControl: boolean } | null = null;
        let error: unknown = null;
        const progress = { sawControl: false };
        try {
          outcome = await this.connectOnce(controller, progress);
        } catch (caught) {
          error = caught;
        } finally {
          signal.removeEventListener("abort", onClose);
          this.current = null;
        }
        if (signal.aborted) return { reason: "closed" };
        if (outcome?.deleted) return { reason: "deleted" };
        connectedOnce = true;
        if (progress.sawControl) attempt = 0;

        const tag = controller.signal.aborted ? (controller.signal.reason as AbortTag) : null;
        if (!tag && error instanceof OpenChatError) {
          if (error.status === 404) return { reason: "deleted", error };
          if (error.code === "invalid_offset") {
            deps.cursor.resync();
            deps.onResync();
            continue;
          }
          if (!error.retryable) return { reason: "error", error };
        }
        lastError = tag
          ? new TransportError({ request: { method: "GET", url: API_PATH.events(deps.chatId) }, reason: `connection ${tag}` })
          : error instanceof Error
            ? error
            : new TransportError({ request: { method: "GET", url: API_PATH.events(deps.chatId) }, reason: "stream ended" });
        deps.stats.reconnects++;
        if (tag === "restart" || tag === "reconnect" || tag === "offline") continue;
        deps.cursor.setStatus(deps.network.isOnline() ? "reconnecting" : "offline", lastError);
        await pause(backoffDelay(attempt++, deps.backoff), { signal, network: deps.network, kick: this.kick });
      }
      return { reason: "closed" };
    } finally {
      stopListening();
      stopWaking();
    }
  }

  /** One SSE request, read until it ends. Resolves `deleted` when the server closed the stream for good. */
  private async connectOnce(controller: AbortController, progress: { sawControl: boolean }): Promise<{ deleted: boolean; sawControl: boolean }> {
    const { deps } = this;
    const offset = deps.cursor.offset;
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    if (offset !== START_OFFSET) headers[HEADER.lastEventId] = offset;
    let stale: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      this.lastActivity = Date.now();
      clearTimeout(stale);
      stale = setTimeout(() => controller.abort("stale" satisfies AbortTag), deps.staleAfterMs);
    };
    arm();
    try {
      deps.stats.connects++;
      const request = {
        method: "GET",
        path: API_PATH.events(deps.chatId),
        query: { [QUERY.offset]: offset, [QUERY.live]: LIVE_MODE.sse },
        headers,
        signal: controller.signal,
      };
      const response = await deps.http.send(request);
      const type = response.headers.get("content-type") ?? "";
      if (!response.body || !type.includes("text/event-stream")) {
        await response.body?.cancel().catch(() => {});
        throw new TransportError({ request: { method: "GET", url: request.path }, reason: `expected text/event-stream, got ${type || "no body"}` });
      }
      let deleted = false;
      await readEventStream(
        response.body,
        {
          onActivity: arm,
          onBatch: (events) => deps.onBatch(events),
          onMalformed: (reason) => deps.onMalformed(reason),
          onControl: (control) => {
            progress.sawControl = true;
            if (deps.cursor.isBehind(control)) {
              deps.cursor.resync();
              deps.onResync();
              controller.abort("restart" satisfies AbortTag);
            } else {
              deps.cursor.advance(control);
              deps.onControl(control);
            }
            if (control.streamClosed) deleted = true;
          },
        },
        controller.signal,
      );
      return { deleted, sawControl: progress.sawControl };
    } finally {
      clearTimeout(stale);
    }
  }
}
