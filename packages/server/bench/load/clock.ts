/**
 * One clock for every bench process: `process.hrtime` is CLOCK_MONOTONIC on Linux, shared by all
 * processes of the machine, so an emission time stamped by the model process can be subtracted
 * from a receive time taken by the load generator without any clock sync.
 */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * A model token that carries its index in the answer and its emission time: `"<index>@<µs> "`.
 * The trailing space keeps tokens apart however the app merges them into delta events.
 */
export function stampToken(index: number): string {
  return `${index}@${nowUs()} `;
}

const TOKEN = /(\d+)@(\d+) /g;

/** Every stamped token in `text`, in order (duplicates and gaps included). */
export function parseTokens(text: string): Array<{ index: number; emittedUs: number }> {
  const tokens: Array<{ index: number; emittedUs: number }> = [];
  for (const match of text.matchAll(TOKEN)) tokens.push({ index: Number(match[1]), emittedUs: Number(match[2]) });
  return tokens;
}

/** Lost and duplicated tokens of a final answer text, compared with the script (indices 0..count-1, once each). */
export function checkAnswer(text: string, count: number): { lost: number; duplicated: number; outOfOrder: number } {
  const seen = new Uint16Array(count);
  let outOfOrder = 0;
  let previous = -1;
  for (const { index } of parseTokens(text)) {
    if (index < count) seen[index]!++;
    if (index <= previous) outOfOrder++;
    previous = index;
  }
  let lost = 0;
  let duplicated = 0;
  for (const n of seen) {
    if (n === 0) lost++;
    else duplicated += n - 1;
  }
  return { lost, duplicated, outOfOrder };
}
