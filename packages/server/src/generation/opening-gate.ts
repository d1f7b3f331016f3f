/**
 * A new turn's model request goes out while its opening is still being written (the send's
 * append of the user's message and the answer's start, then the turn's offset): the model's
 * first-token latency overlaps that work instead of following it. Nothing the model says is
 * handed on before the opening has settled — append first (invariant 1), and a send that did
 * not record its offset must not have an answer running (a retry of it would start another).
 *
 * ```ts
 * for await (const chunk of afterOpening(client.stream({ …, signal }), opened, controller)) push(chunk);
 * ```
 */

/** The opening of the turn was not written: the answer ends having written nothing, and the send reports why. */
export class OpeningFailed extends Error {
  constructor(cause: unknown) {
    super("the turn's opening was not written", { cause });
    this.name = "OpeningFailed";
  }
}

/**
 * `chunks`, requested at once (the first `next()` sends the model request), yielded only once
 * `opened` has resolved. When it rejects, `controller` aborts the request with
 * {@link OpeningFailed} and that is thrown: not one chunk is yielded.
 */
export async function* afterOpening<T>(chunks: AsyncIterable<T>, opened: Promise<unknown>, controller: AbortController): AsyncGenerator<T> {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = iterator.next();
  // Awaited below, or dropped when the opening failed: never an unhandled rejection meanwhile.
  first.catch(() => undefined);
  try {
    await opened;
  } catch (error) {
    controller.abort(new OpeningFailed(error));
    await first.catch(() => undefined);
    throw controller.signal.reason;
  }
  let done = false;
  try {
    for (let step = await first; !step.done; step = await iterator.next()) yield step.value;
    done = true;
  } finally {
    if (!done) await iterator.return?.();
  }
}
