/**
 * Property tests of the fold: random logs built from valid turns (interleaved across
 * producers, each producer's order kept, as the idempotent producer guarantees), duplicated
 * ranges, truncated events and garbage.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EMPTY_CHAT_STATE, fold, foldAll, materialize, type ChatState } from "../src/index.js";
import { content, producer } from "./events.js";

const ending = fc.constantFrom("completed", "error", "stopped", "none" as const);

/** One producer's valid turn: user message, assistant message, deltas, maybe an ending. */
const turnArb = (name: string) =>
  fc.record({ deltas: fc.array(fc.string({ maxLength: 6 }), { maxLength: 12 }), end: ending, after: fc.nat(3) }).map(({ deltas, end, after }) => {
    const p = producer(name);
    const a = `${name}-a`;
    const events: object[] = [p.created(`${name}-u`, "user", "q"), p.created(a, "assistant"), p.started(a)];
    for (const text of deltas) events.push(p.delta(a, text));
    if (end !== "none") events.push(p[end](a));
    for (let i = 0; i < after; i++) events.push(p.delta(a, "late")); // must be ignored after an ending
    if (name.endsWith("1")) events.push(p.renamed(`title ${name}`));
    return events;
  });

/** Merges producers' lists in a random order that keeps each list's own order. */
function interleave(lists: object[][], picks: number[]): object[] {
  const queues = lists.map((l) => [...l]);
  const out: object[] = [];
  let i = 0;
  while (queues.some((q) => q.length > 0)) {
    const live = queues.filter((q) => q.length > 0);
    out.push(live[(picks[i++ % Math.max(picks.length, 1)] ?? 0) % live.length]!.shift()!);
  }
  return out;
}

const validLog = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(), { minLength: 1, maxLength: 50 }))
  .chain(([n, picks]) =>
    fc.tuple(...Array.from({ length: n }, (_, k) => turnArb(`p${k + 1}`))).map((lists) => interleave(lists, picks)),
  );

/** A broken copy of a valid event: some fields removed or replaced. */
const truncated = (event: object) =>
  fc.subarray(Object.keys(event), { minLength: 1 }).map((drop) => {
    const copy: Record<string, unknown> = { ...event };
    for (const key of drop) delete copy[key];
    return copy;
  });

/** A valid log with noise: duplicates of earlier events, truncated events, garbage. */
const noisyLog = validLog.chain((log) =>
  fc
    .array(
      fc.tuple(
        fc.nat(log.length),
        fc.oneof(
          fc.nat(Math.max(log.length - 1, 0)).map((i) => ({ dup: i })),
          fc.nat(Math.max(log.length - 1, 0)).chain((i) => truncated(log[i]!).map((t) => ({ bad: t }))),
          fc.anything().map((g) => ({ bad: g })),
        ),
      ),
      { maxLength: 15 },
    )
    .map((noise) => {
      const out: unknown[] = [...log];
      // Insert from the end so positions stay meaningful; duplicates only after their original.
      for (const [at, item] of noise.sort((x, y) => y[0] - x[0])) {
        if ("dup" in item) out.splice(Math.max(at, out.indexOf(log[item.dup]!) + 1), 0, log[item.dup]);
        else out.splice(at, 0, item.bad);
      }
      return { log, noisy: out };
    }),
);

describe("fold properties", () => {
  it("never throws on any input", () => {
    fc.assert(fc.property(fc.array(fc.anything()), (junk) => {
      const state = materialize(junk);
      expect(state.skipped).toBe(junk.length);
    }));
    fc.assert(fc.property(noisyLog, ({ noisy }) => void materialize(noisy)));
  });

  it("incremental equals batch: any prefix then the rest equals the whole", () => {
    fc.assert(
      fc.property(noisyLog, fc.nat(), ({ noisy }, cut) => {
        const at = cut % (noisy.length + 1);
        const whole = materialize(noisy);
        expect(foldAll(foldAll(EMPTY_CHAT_STATE, noisy.slice(0, at)), noisy.slice(at))).toEqual(whole);
        expect(noisy.reduce<ChatState>((s, e) => fold(s, e), EMPTY_CHAT_STATE)).toEqual(whole);
      }),
    );
  });

  it("applying the log twice equals once", () => {
    fc.assert(
      fc.property(noisyLog, ({ noisy }) => {
        const once = materialize(noisy);
        expect(content(foldAll(once, noisy))).toEqual(content(once));
      }),
    );
  });

  it("duplicates and garbage change nothing: noisy log == clean log", () => {
    fc.assert(
      fc.property(noisyLog, ({ log, noisy }) => {
        expect(content(materialize(noisy))).toEqual(content(materialize(log)));
      }),
    );
  });

  it("a terminal message never changes again", () => {
    fc.assert(
      fc.property(validLog, (log) => {
        let state = EMPTY_CHAT_STATE;
        const frozen = new Map<string, unknown>();
        for (const event of log) {
          state = fold(state, event);
          for (const m of state.messages) {
            if (frozen.has(m.id)) expect(m).toEqual(frozen.get(m.id));
            else if (m.status !== "streaming") frozen.set(m.id, m);
          }
        }
      }),
    );
  });
});
