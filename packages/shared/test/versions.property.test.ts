/**
 * Property tests of versions (regenerate, edit), selection and feedback: random sequences of
 * what a user can do — send, regenerate an answer, edit a question, select a version, rate an
 * answer — written as the server writes them, checked against a model that keeps the thread
 * as a plain list (the fold keeps a tree), with duplicates replayed and the log folded in parts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { currentThread, foldAll, materialize, messageVersions, threadTo, type ChatState } from "../src/index.js";
import { producer } from "./events.js";

type Op =
  | { kind: "send"; end: "completed" | "stopped" | "error" }
  | { kind: "regenerate"; pick: number }
  | { kind: "edit"; pick: number }
  | { kind: "select"; pick: number }
  | { kind: "feedback"; pick: number; rating: "up" | "down" | null };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("completed", "stopped", "error").map((end) => ({ kind: "send", end }) as Op) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: "regenerate", pick }) as Op) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: "edit", pick }) as Op) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: "select", pick }) as Op) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.constantFrom("up", "down", null)).map(([pick, rating]) => ({ kind: "feedback", pick, rating }) as Op) },
);

interface Node {
  id: string;
  role: "user" | "assistant";
  parent: string | null;
}

/** Writes the ops as events and keeps the expected thread as a list (and a tree only for selection). */
function scenario(ops: Op[]) {
  const events: object[] = [];
  const nodes: Node[] = [];
  const shown = new Map<string | null, string>(); // parent -> child shown
  let thread: string[] = [];
  const feedback = new Map<string, "up" | "down">();
  let n = 0;
  const add = (p: ReturnType<typeof producer>, role: Node["role"], parent: string | null, versionOf?: string) => {
    const id = `m${n++}`;
    events.push(p.created(id, role, role === "user" ? `q${id}` : "", versionOf ? { versionOf } : {}));
    nodes.push({ id, role, parent });
    shown.set(parent, id);
    return id;
  };
  const answer = (p: ReturnType<typeof producer>, id: string, end: "completed" | "stopped" | "error") => {
    events.push(p.started(id), p.delta(id, `a${id}`), p[end](id));
  };
  const of = (role: Node["role"], pick: number) => {
    const candidates = nodes.filter((node) => node.role === role);
    return candidates.length === 0 ? undefined : candidates[pick % candidates.length]!;
  };
  ops.forEach((op, k) => {
    apply(op, producer(`g${k}`));
    showThread();
  });
  function apply(op: Op, p: ReturnType<typeof producer>) {
    if (op.kind === "send") {
      const last = thread.at(-1) ?? null;
      const u = add(p, "user", last);
      const a = add(p, "assistant", u);
      answer(p, a, op.end);
      thread = [...thread, u, a];
    } else if (op.kind === "regenerate") {
      const old = of("assistant", op.pick);
      if (!old) return;
      const a = add(p, "assistant", old.parent, old.id);
      answer(p, a, "completed");
      thread = [...pathTo(old.parent), a];
    } else if (op.kind === "edit") {
      const old = of("user", op.pick);
      if (!old) return;
      const u = add(p, "user", old.parent, old.id);
      const a = add(p, "assistant", u);
      answer(p, a, "completed");
      thread = [...pathTo(old.parent), u, a];
    } else if (op.kind === "select") {
      const node = nodes[op.pick % Math.max(nodes.length, 1)];
      if (!node) return;
      events.push({ ...p.created("unused", "user"), type: "message.selected", messageId: node.id, role: undefined, text: undefined });
      shown.set(node.parent, node.id);
      const below: string[] = [];
      for (let id = shown.get(node.id); id !== undefined; id = shown.get(id)) below.push(id);
      thread = [...pathTo(node.parent), node.id, ...below];
    } else {
      const node = of("assistant", op.pick);
      if (!node) return;
      events.push({ ...p.created("unused", "user"), type: "message.feedback", messageId: node.id, rating: op.rating, role: undefined, text: undefined });
      if (op.rating === null) feedback.delete(node.id);
      else feedback.set(node.id, op.rating);
    }
  }
  /** What is on screen is what each place shows: every message of the thread is its place's shown version. */
  function showThread() {
    thread.forEach((id, i) => shown.set(i === 0 ? null : thread[i - 1]!, id));
  }
  function pathTo(id: string | null): string[] {
    const path: string[] = [];
    for (let at = id; at !== null; at = nodes.find((node) => node.id === at)!.parent) path.unshift(at);
    return path;
  }
  return { events: events.map((e) => JSON.parse(JSON.stringify(e)) as object), thread, feedback, nodes };
}

const ids = (state: ChatState) => currentThread(state).map((m) => m.id);

describe("versions, selection and feedback", () => {
  it("the current thread is the one the user's actions leave on screen", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
        const { events, thread, feedback, nodes } = scenario(ops);
        const state = materialize(events);
        expect(state.skipped).toBe(0);
        expect(ids(state)).toEqual(thread);
        expect(state.messages).toHaveLength(nodes.length); // every version is kept
        for (const message of state.messages) {
          if (message.role === "assistant") expect(message.feedback?.rating).toBe(feedback.get(message.id));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("the thread is a path, versions share a place, an answer's prompt is the thread above it", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
        const state = materialize(scenario(ops).events);
        const thread = currentThread(state);
        thread.forEach((message, i) => {
          expect(message.parentId).toBe(i === 0 ? null : thread[i - 1]!.id);
          expect(threadTo(state, message.id).map((m) => m.id)).toEqual(thread.slice(0, i).map((m) => m.id));
          const versions = messageVersions(state, message.id);
          expect(versions.ids[versions.index]).toBe(message.id);
          for (const id of versions.ids) {
            const version = state.messages[state.index.get(id)!]!;
            expect(version.parentId).toBe(message.parentId);
            expect(version.role).toBe(message.role);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it("folding in parts, or with every event replayed, gives the same chat", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 6 }), (ops, cuts) => {
        const { events } = scenario(ops);
        const whole = materialize(events);
        let parts = materialize([]);
        let from = 0;
        for (const cut of [...cuts.map((c) => c % (events.length + 1)).sort((a, b) => a - b), events.length]) {
          parts = foldAll(parts, events.slice(from, Math.max(cut, from)));
          from = Math.max(cut, from);
        }
        const replayed = materialize([...events, ...events]);
        for (const other of [parts, replayed]) {
          expect(other.messages).toEqual(whole.messages);
          expect(ids(other)).toEqual(ids(whole));
          expect(other.leaf).toBe(whole.leaf);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("a regenerated answer in a hidden branch shows that branch, and it stays shown under a later selection above it", () => {
    // Three turns; edit the second question (m2 → m6 + m7); regenerate the old second answer
    // (m3 → m8, under m2, which was hidden); select the first question.
    const ops: Op[] = [
      { kind: "send", end: "completed" },
      { kind: "send", end: "completed" },
      { kind: "send", end: "completed" },
      { kind: "edit", pick: 1 },
      { kind: "regenerate", pick: 1 },
      { kind: "select", pick: 0 },
    ];
    const { events, thread } = scenario(ops);
    expect(thread).toEqual(["m0", "m1", "m2", "m8"]);
    expect(ids(materialize(events))).toEqual(thread);
  });

  it("a version of an unknown message, or of another role, invents nothing", () => {
    const p = producer("x");
    const state = materialize([
      p.created("u1", "user", "q"),
      p.created("a1", "assistant"),
      p.created("a2", "assistant", "", { versionOf: "nope" }),
      p.created("u2", "user", "q", { versionOf: "a1" }),
    ]);
    expect(state.messages.map((m) => m.id)).toEqual(["u1", "a1"]);
    expect(state.ignored).toBe(2);
  });

  it("feedback only lands on an ended answer, and selecting an unknown message changes nothing", () => {
    const p = producer("y");
    const base = [p.created("u1", "user", "q"), p.created("a1", "assistant")];
    const feedback = (rating: string) => ({ v: 1, id: `f:${rating.length}`, at: "2026-11-23T12:00:00.000Z", chatId: "chat_1", type: "message.feedback", messageId: "a1", rating });
    const streaming = materialize([...base, feedback("up")]);
    expect(streaming.messages[1]!.feedback).toBeUndefined();
    const ended = materialize([...base, p.completed("a1"), feedback("down")]);
    expect(ended.messages[1]!.feedback).toEqual({ rating: "down" });
    const select = { v: 1, id: "s:0", at: "2026-11-23T12:00:00.000Z", chatId: "chat_1", type: "message.selected", messageId: "ghost" };
    const after = materialize([...base, select]);
    expect(ids(after)).toEqual(["u1", "a1"]);
    expect(after.ignored).toBe(1);
  });
});
