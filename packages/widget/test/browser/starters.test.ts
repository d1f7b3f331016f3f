/**
 * Starter prompts (`starter-prompts` JSON attribute / `starterPrompts` property) and the
 * greeting: shown on an empty chat only; a chip sends its text; the greeting is never stored.
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { $, $$, lastAnswer, rows, serverUrl, viewOf } from "./helpers.js";

describe("<open-chat> starter prompts and greeting", () => {
  let api: string;
  before(async () => {
    api = await serverUrl();
  });
  beforeEach(() => localStorage.clear());

  it("shows the chips and the greeting on an empty chat; a chip sends its text, and both go", async () => {
    const el = await fixture<OpenChatElement>(
      html`<open-chat api=${api} mode="inline" greeting="Hello! How can I help?" starter-prompts=${JSON.stringify(["What can you do?", "  ", "Pricing"])}></open-chat>`,
    );
    const view = await viewOf(el);
    expect($(view, "[part=greeting]")!.textContent).to.contain("Hello! How can I help?");
    const group = $(view, "[part=starter-prompts]")!;
    expect(group.getAttribute("role")).to.equal("group");
    expect(group.getAttribute("aria-label")).to.equal("Suggestions");
    expect($$(view, "[part=starter-prompt]").map((b) => b.textContent)).to.deep.equal(["What can you do?", "Pricing"]); // blanks dropped
    expect(view.getAttribute("exportparts")).to.contain("starter-prompt"); // styleable from the page: open-chat::part(starter-prompt)
    await expect(el).to.be.accessible();

    $$<HTMLButtonElement>(view, "[part=starter-prompt]")[0]!.click();
    const answer = await lastAnswer(view);
    expect(answer.status).to.equal("completed");
    expect(rows(view)[0]!.text).to.equal("What can you do?");
    await view.updateComplete;
    expect($(view, "[part=starter-prompts]")).to.equal(null);
    expect($(view, "[part=greeting]")).to.equal(null);
    // The greeting is the page's, not the conversation's: the log holds the two real messages only.
    expect(view.chat.tail!.state.log.messages.map((m) => m.role)).to.deep.equal(["user", "assistant"]);
  });

  it("the property reflects to the attribute; a bad value is refused loudly", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`);
    const view = await viewOf(el);
    expect(el.starterPrompts).to.deep.equal([]);
    expect($(view, "[part=starter-prompts]")).to.equal(null);

    el.starterPrompts = ["Track my order"];
    expect(el.getAttribute("starter-prompts")).to.equal('["Track my order"]');
    await view.updateComplete;
    expect($$(view, "[part=starter-prompt]").map((b) => b.textContent)).to.deep.equal(["Track my order"]);

    expect(() => (el.starterPrompts = "Track my order" as unknown as string[])).to.throw(TypeError, "invalid_starter_prompts");
    expect(el.starterPrompts).to.deep.equal(["Track my order"]); // unchanged

    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (message: string) => warnings.push(message);
    try {
      el.setAttribute("starter-prompts", "What can you do?"); // not JSON
      await view.updateComplete;
    } finally {
      console.warn = warn;
    }
    expect($(view, "[part=starter-prompts]")).to.equal(null);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain("invalid_starter_prompts");
  });
});
