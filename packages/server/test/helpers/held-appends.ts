/**
 * A streams client whose appends wait for the test: each append is recorded when it starts and
 * reaches the real streams tier only after `release()`. What is pushed while one append is in
 * flight is then decided by the test, not by how fast the machine is.
 *
 * @example
 * const held = holdAppends(backend().client());
 * const appender = createGroupCommitAppender({ client: held.client, ... });
 * appender.push(a);
 * await held.started(1); // the first append is in flight (and held)
 * appender.push(b); appender.push(c);
 * held.release(); // lets the first append through; b and c go out as the second
 */
import type { StreamsClient } from "../../src/streams/client/types.js";

type Append = StreamsClient["append"];

export interface HeldAppends {
  client: Pick<StreamsClient, "append">;
  /** The records of every append, in the order they started. */
  readonly batches: readonly unknown[][];
  /** Resolves when the `n`th append (1-based) has started. */
  started(n: number): Promise<void>;
  /** Lets the oldest append not yet released through (now, or as soon as it starts). */
  release(): void;
  /** Lets every held and future append through. */
  open(): void;
}

export function holdAppends(inner: Pick<StreamsClient, "append">): HeldAppends {
  const batches: unknown[][] = [];
  const starts: Array<PromiseWithResolvers<void>> = [];
  const gates: Array<PromiseWithResolvers<void>> = [];
  const at = (list: Array<PromiseWithResolvers<void>>, index: number) => (list[index] ??= Promise.withResolvers<void>());
  let released = 0;
  let opened = false;
  const append: Append = async (stream, records, options) => {
    const index = batches.length;
    batches.push([...records]);
    at(starts, index).resolve();
    if (!opened) await at(gates, index).promise;
    return inner.append(stream, records, options);
  };
  return {
    client: { append },
    batches,
    started: (n) => at(starts, n - 1).promise,
    release: () => at(gates, released++).resolve(),
    open() {
      opened = true;
      for (const gate of gates) gate.resolve();
    },
  };
}
