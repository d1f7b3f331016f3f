/**
 * Stamps protocol envelopes (`v`, `id`, `at`) on event payloads for one producer. Ids are
 * `<producer>:<seq>` with seq counting this producer's events, which is what the fold's
 * per-producer dedupe relies on (see packages/shared/PROTOCOL.md section 2).
 */
import { PROTOCOL_VERSION, formatEventId, type ChatEvent, type EventPayload } from "@open-chat/shared";

export interface EventFactory {
  readonly producer: string;
  /** Seq the next event will get. */
  readonly nextSeq: number;
  make<P extends EventPayload>(payload: P): ChatEvent;
}

export function createEventFactory(producer: string, clock: () => Date, startSeq = 0): EventFactory {
  let seq = startSeq;
  return {
    producer,
    get nextSeq() {
      return seq;
    },
    make(payload) {
      return { v: PROTOCOL_VERSION, id: formatEventId(producer, seq++), at: clock().toISOString(), ...payload } as ChatEvent;
    },
  };
}
