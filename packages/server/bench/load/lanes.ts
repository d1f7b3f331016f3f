/**
 * Runs `task(i)` for i = 0 … count−1, `width` at once, and returns the results in order. The
 * first failure stops every lane (each finishes the task in hand) and is thrown, so a refused
 * or broken setup ends a step instead of queueing thousands more doomed requests.
 */
export async function inLanes<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(Math.max(0, count));
  let next = 0;
  let failed = false;
  const lanes = await Promise.allSettled(
    Array.from({ length: Math.max(0, Math.min(width, count)) }, async () => {
      while (!failed && next < count) {
        const i = next++;
        try {
          results[i] = await task(i);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
  const failure = lanes.find((lane) => lane.status === "rejected");
  if (failure) throw failure.reason;
  return results;
}
