/** The transcript shows one day separator ("Today") above the first message of today's conversation (real server). */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { $$, lastAnswer, rows, scripted, serverUrl, type, until, viewOf } from "./helpers.js";

describe("day separators", () => {
  it("one 'Today' separator above the first message, none between today's messages; axe clean", async () => {
    localStorage.clear();
    const el = await fixture<OpenChatElement>(html`<open-chat api=${await serverUrl()} mode="inline"></open-chat>`);
    const view = await viewOf(el);
    await type(view, scripted("First answer."));
    await lastAnswer(view);
    await type(view, scripted("Second answer."));
    // The second question is queued asynchronously: wait for its answer, not the first one.
    await until(() => rows(view).filter((r) => r.role === "assistant" && r.status === "completed").length === 2, 15_000, "two answers");
    await view.updateComplete;
    const separators = $$(view, "[part=day-separator]");
    expect(separators.map((s) => s.textContent)).to.deep.equal(["Today"]);
    expect(separators[0]!.getAttribute("role")).to.equal("separator");
    expect(separators[0]!.nextElementSibling!.tagName.toLowerCase()).to.equal("open-chat-message");
    expect(separators[0]!.previousElementSibling).to.equal(null);
    await expect(el).to.be.accessible();
  });
});
