/**
 * HEAP_GROWTH_PERCENT: how far the JavaScript heap may grow past what a full collection found
 * live before the next full collection.
 *
 * V8's own rule lets a heap that allocates fast grow up to several times its live size, and it
 * keeps the pages it grew into: after a burst (thousands of visitors opening their tails) the
 * old generation stays committed — and resident — long after the garbage is gone. At 10,000
 * idle tails (Bun tier, 2-core EPYC) the process held 1,072–1,099 MB with ~230 MB live; with 20
 * it held 683–691 MB. The price is more frequent full collections under load: with the young
 * generation capped too (cli/v8-start-flags.ts), four alternating pairs at 100 answers gave
 * token latency within the noise for ~2 points more CPU, so 20 is the default. 0: V8's own rule.
 */
import v8 from "node:v8";

export function applyHeapGrowth(percent: number | undefined): void {
  // V8 reads this flag at every full collection, so setting it after start takes effect.
  if (percent) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
