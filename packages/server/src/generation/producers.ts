/**
 * Producer ids of one generation. The streams-tier producer (`Producer-Id`, fenced by the
 * lease's epoch) is the same for every attempt at an answer; the event-id producer changes
 * with the epoch, so events of a taken-over answer never collide with the earlier attempt's.
 */
export function generationProducers(assistantMessageId: string, epoch: number) {
  return { producerId: `gen-${assistantMessageId}`, eventProducer: `gen-${assistantMessageId}.${epoch}` };
}
