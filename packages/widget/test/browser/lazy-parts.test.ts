/**
 * The view's rarely used parts are chunks of their own (src/view/lazy-parts.ts): the chat list
 * is not defined before the list first opens, the version actions not before the transcript
 * shows a message; once there they render with their styles (adopted into the view's shadow
 * root), and a loaded part keeps working offline — the 👍/👎 comment form and the question
 * editor come with the version actions, no further download.
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { loadVersionActions } from "../../src/view/lazy-parts.js";
import { setOffline } from "./commands.js";
import { $, $$, lastAnswer, rows, serverUrl, type, until, viewOf } from "./helpers.js";
import { part } from "./version-helpers.js";

describe("lazy parts", () => {
  let api: string;
  before(async () => {
    api = await serverUrl();
  });
  beforeEach(() => localStorage.clear());

  it("the chat list is defined on its first open, styled, and its state comes with it", async () => {
    const view = await viewOf(await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`));
    const client = await view.chat.ready();
    await client.createChat({ title: "Trip plans" });
    expect(customElements.get("open-chat-list")).to.equal(undefined);
    expect(view.list).to.equal(undefined);

    $<HTMLButtonElement>(view, "[part=toggle-list-button]")!.click();
    const list = await view.chatList(); // the chunk the click loads
    expect(customElements.get("open-chat-list")).to.not.equal(undefined);
    expect(view.list).to.equal(list);
    await until(() => $$(view, "[part=chat-item]").length === 1, 5000, "the chat list");
    expect(getComputedStyle($(view, "open-chat-list")!).display).to.equal("flex"); // chat-list-styles.ts, adopted
    expect($(view, "[part=chat-item] .open")!.textContent).to.equal("Trip plans");
  });

  it("the version actions load with the first message; loaded, 👍's comment form and Edit's editor open offline", async () => {
    const view = await viewOf(await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`));
    expect(customElements.get("open-chat-feedback")).to.equal(undefined);
    await type(view, "rate me offline");
    const answer = await lastAnswer(view);
    await loadVersionActions(); // started by the first row; resolves once the elements are defined
    const up = await until(() => part(answer, "feedback-up"), 5000, "👍");
    expect(getComputedStyle($(view, "open-chat-feedback")!).display).to.equal("contents"); // version-styles.ts, adopted

    await setOffline(true, [api, location.origin]); // the server and the page's own files
    try {
      up.click();
      await view.updateComplete;
      await until(() => part(answer, "feedback-comment"), 5000, "the comment form, offline");
      const question = rows(view)[0]!;
      part(question, "edit-button")!.click();
      await until(() => part(question, "edit-input"), 5000, "the editor, offline");
    } finally {
      await setOffline(false);
    }
  });
});
