/**
 * Delivers "stop the answer of chat X" to whichever process holds it. The stop itself is
 * recorded in Postgres first (see `LeaseStore.requestStop`); the bus only wakes the holder at
 * once instead of waiting for its next look at the row.
 *
 * - `createPgStopBus`: Postgres `LISTEN/NOTIFY` on one dedicated connection (not from the
 *   pool: a listening connection must stay checked out). It reconnects after a lost connection
 *   and re-LISTENs; a stop published while it was away is still in the row, and the holder's
 *   next lease renewal finds it (see the registry's lease keeper).
 * - `createLocalStopBus`: in-process delivery, for one process on an embedded database.
 */
import pg from "pg";

/** The NOTIFY channel; the payload is the chat id. */
export const STOP_CHANNEL = "open_chat_stop";

export interface StopBus {
  publish(chatId: string): Promise<void>;
  /** Calls `onStop(chatId)` for every stop published by any process (this one included). */
  subscribe(onStop: (chatId: string) => void): void;
  /** Resolves once the bus delivers stops published from now on (LISTEN is in place). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function createLocalStopBus(): StopBus {
  const listeners = new Set<(chatId: string) => void>();
  return {
    async publish(chatId) {
      for (const listener of listeners) listener(chatId);
    },
    subscribe(onStop) {
      listeners.add(onStop);
    },
    ready: Promise.resolve(),
    async close() {
      listeners.clear();
    },
  };
}

export interface PgStopBusOptions {
  connectionString: string;
  /** Publishes through this pool (any connection can NOTIFY). */
  pool: pg.Pool;
  /** Delay before reconnecting the listening connection. Default 1000 ms. */
  reconnectMs?: number;
}

export function createPgStopBus({ connectionString, pool, reconnectMs = 1_000 }: PgStopBusOptions): StopBus {
  const listeners = new Set<(chatId: string) => void>();
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const deliver = (message: pg.Notification) => {
    if (message.channel !== STOP_CHANNEL || !message.payload) return;
    for (const listener of listeners) listener(message.payload);
  };

  async function connect(): Promise<void> {
    if (closed) return;
    const next = new pg.Client({ connectionString });
    next.on("notification", deliver);
    // A dropped connection emits 'error' and/or 'end': listen again on a new one.
    next.on("error", () => retry(next));
    next.on("end", () => retry(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${STOP_CHANNEL}`);
      client = next;
    } catch {
      retry(next);
    }
  }

  function retry(failed: pg.Client): void {
    if (closed || (client !== undefined && client !== failed) || timer) return;
    client = undefined;
    failed.end().catch(() => undefined);
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, reconnectMs);
    timer.unref();
  }

  const ready = connect();
  return {
    ready,
    async publish(chatId) {
      await pool.query("SELECT pg_notify($1, $2)", [STOP_CHANNEL, chatId]);
    },
    subscribe(onStop) {
      listeners.add(onStop);
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await ready;
      listeners.clear();
      await client?.end().catch(() => undefined);
    },
  };
}
