/**
 * "Reconnecting the answer…": a streaming answer with no event for `stall-ms` says so (a polite
 * status on the message) until its next event. The watch itself is driven with a manual clock;
 * the element against the real server, its answer held in the model gate until the test releases it.
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { ChatMessage } from "@open-chat/sdk";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { StallWatch } from "../../src/view/stalls.js";
import { atFirstRender, lastAnswer, modelGate, rows, serverUrl, type, until, viewOf } from "./helpers.js";

const answer = (updatedAt: string, status: ChatMessage["status"] = "streaming"): ChatMessage => ({
  id: "a1",
  chatId: "c1",
  role: "assistant",
  text: "",
  status,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt,
  parentId: null,
});

describe("stalled answers", () => {
  afterEach(() => modelGate.open()); // a failed test never leaves the next one's answer held

  it("StallWatch: quiet for afterMs is stalled, the next event (a new updatedAt) clears it, an ended answer is never stalled", () => {
    let now = 1_000;
    let changes = 0;
    const watch = new StallWatch({ afterMs: () => 500, onChange: () => changes++, now: () => now });
    try {
      watch.update([answer("t1")]);
      expect(watch.has("a1")).to.equal(false);
      now += 499;
      watch.update([answer("t1")]);
      expect(watch.has("a1")).to.equal(false);
      now += 1;
      watch.update([answer("t1")]);
      expect(watch.has("a1")).to.equal(true);
      expect(changes).to.equal(1);
      // `generation.resumed` (or a delta) arrives: a new updatedAt, quiet time starts over.
      watch.update([answer("t2")]);
      expect(watch.has("a1")).to.equal(false);
      expect(changes).to.equal(2);
      now += 10_000;
      watch.update([answer("t2", "completed")]);
      expect(watch.has("a1")).to.equal(false);
      expect(changes).to.equal(2);
    } finally {
      watch.clear();
    }
  });

  it("shows 'Reconnecting the answer…' (role=status, polite) on a quiet streaming answer until its next event", async () => {
    localStorage.clear();
    const api = await serverUrl();
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline" stall-ms="500"></open-chat>`);
    const view = await viewOf(el);
    // No token reaches the server until the test releases one: the answer is quiet for as long as it takes.
    await modelGate.hold();
    await type(view, "slow one [[tokens:2]]");
    const stalled = await until(
      () => rows(view).find((r) => r.role === "assistant" && r.status === "streaming" && r.element.querySelector("[part=message-stalled]")?.textContent === "Reconnecting the answer…"),
      10_000,
      "the stalled status",
    );
    expect(stalled.text).to.equal(""); // nothing arrived yet
    const status = stalled.element.querySelector("[part=message-stalled]")!;
    expect(status.getAttribute("role")).to.equal("status");
    expect(status.getAttribute("aria-live")).to.equal("polite");
    // The next event (the first token) clears it at once: read in the render that shows the token,
    // before any timer could find the answer quiet again (the gate holds the second token).
    const moved = stalled.element;
    const atFirstToken = atFirstRender(moved, () => Boolean(moved.message?.text), () => moved.querySelector("[part=message-stalled]")?.textContent, [view]);
    await modelGate.release(1);
    expect(await atFirstToken).to.equal("");
    await modelGate.open();
    const done = await lastAnswer(view);
    await view.updateComplete;
    expect(done.status).to.equal("completed");
    expect(done.element.querySelector("[part=message-stalled]")).to.equal(null);
    el.remove();
  });
});
