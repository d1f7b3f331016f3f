/**
 * Accessibility with the keyboard and a screen reader: the live region announces a finished
 * answer only (never the tokens on the way), the Tab order runs launcher → panel → chat list →
 * composer → send, the delete confirmation works from the keyboard, and axe finds nothing in
 * each of these states (also in a 320 px panel: a 640 px window at 200% zoom).
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import type { OpenChatView } from "../../src/view/open-chat-view.js";
import { sendKeys, setViewport } from "./commands.js";
import { $, $$, lastAnswer, modelGate, rows, serverUrl, type, until, viewOf } from "./helpers.js";

/** Names the focused control inside `<open-chat>` (through both shadow roots) by its part, class or id. */
function focused(el: OpenChatElement): string {
  let active = el.shadowRoot!.activeElement;
  if (active?.localName === "open-chat-view") active = (active as OpenChatView).shadowRoot!.activeElement;
  if (!active) return document.activeElement?.id || "none";
  const part = active.getAttribute("part");
  if (part) return part;
  if (active.closest("open-chat-list")) return `list:${active.className.replace(/\s+/g, ".")}`;
  return active.id || active.localName;
}

/** Real Shift+Tab (puppeteer takes the modifier as a held key). */
async function shiftTab(): Promise<void> {
  await sendKeys({ down: "Shift" });
  await sendKeys({ press: "Tab" });
  await sendKeys({ up: "Shift" });
}

async function tabs(el: OpenChatElement, count: number, back = false): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < count; i++) {
    await (back ? shiftTab() : sendKeys({ press: "Tab" }));
    seen.push(focused(el));
  }
  return seen;
}

const liveRegion = (view: OpenChatView) => $(view, "[role=status][aria-live=polite]")!;

describe("<open-chat> accessibility", () => {
  let api: string;
  before(async () => {
    api = await serverUrl();
    await setViewport({ width: 1280, height: 900 });
  });
  beforeEach(() => localStorage.clear());
  afterEach(() => modelGate.open());

  it("the live region announces the finished answer once, not the tokens while it streams", async () => {
    const view = await viewOf(await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`));
    await modelGate.hold();
    await type(view, "tell me something");
    await modelGate.release(12);
    await until(() => rows(view).at(-1)?.role === "assistant" && rows(view).at(-1)!.text.length >= 12, 10_000, "part of the answer on screen");
    await view.updateComplete;
    expect(liveRegion(view).textContent).to.equal(""); // tokens are on screen, nothing announced
    await modelGate.open();
    const answer = await lastAnswer(view);
    await view.updateComplete;
    expect(liveRegion(view).textContent).to.equal(`Assistant: ${answer.text}`);
    expect($(view, "[part=transcript]")!.getAttribute("aria-live")).to.equal("off");
  });

  it("Tab runs launcher → panel header → chat list → transcript → composer → send, keyboard only", async () => {
    const wrapper = await fixture<HTMLDivElement>(html`<div><button id="before">Before</button><open-chat api=${api}></open-chat></div>`);
    const el = wrapper.querySelector<OpenChatElement>("open-chat")!;
    wrapper.querySelector<HTMLButtonElement>("#before")!.focus();
    expect(await tabs(el, 1)).to.deep.equal(["launcher"]);
    await sendKeys({ press: "Enter" }); // opens the panel, focus goes to the composer
    const view = await viewOf(el);
    await until(() => focused(el) === "input", 5000, "focus in the composer");
    const client = await view.chat.ready();
    await client.createChat({ title: "Earlier chat" });
    await sendKeys({ type: "hello" });

    // Back out to the launcher, then forward through everything with the chat list open.
    expect(await tabs(el, 5, true)).to.deep.equal(["transcript", "close-button", "new-chat-button", "toggle-list-button", "launcher"]);
    await sendKeys({ press: "Tab" });
    await sendKeys({ press: "Enter" }); // opens the chat list
    await until(() => $$(view, "[part=chat-item]").length === 1, 5000, "the chat list");
    expect(await tabs(el, 9)).to.deep.equal([
      "new-chat-button",
      "close-button",
      "list:new",
      "list:open",
      "list:icon.rename",
      "list:icon.delete",
      "transcript",
      "input",
      "send-button",
    ]);
    await expect(el).to.be.accessible();
  });

  it("deleting asks visibly, and the confirm step works from the keyboard", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`);
    const view = await viewOf(el);
    const client = await view.chat.ready();
    await client.createChat({ title: "Trip plans" });
    $<HTMLButtonElement>(view, "[part=toggle-list-button]")!.click();
    await until(() => $$(view, "[part=chat-item]").length === 1, 5000, "the chat list");
    await view.updateComplete;

    $(view, "[part=chat-item] .delete")!.focus();
    await sendKeys({ press: "Enter" });
    await until(() => focused(el) === "cancel-delete-button", 5000, "focus on Cancel");
    const confirm = $(view, "[part=chat-item].confirm")!;
    expect(confirm.querySelector("p")!.textContent).to.equal("Delete “Trip plans”?");
    expect(confirm.querySelector("p")!.getBoundingClientRect().height).to.be.greaterThan(0); // visible, not screen-reader-only
    expect($$<HTMLButtonElement>(view, "[part=chat-item].confirm button").map((b) => b.textContent)).to.deep.equal(["Delete", "Cancel"]);
    await expect(el).to.be.accessible();

    // Escape steps back; nothing is deleted and focus returns to the row's delete button.
    await sendKeys({ press: "Escape" });
    await until(() => focused(el) === "list:icon.delete", 5000, "focus back on delete");
    expect(el.isOpen).to.equal(true);
    expect((await client.listChats()).chats).to.have.length(1);

    await sendKeys({ press: "Enter" });
    await until(() => focused(el) === "cancel-delete-button", 5000, "focus on Cancel");
    await shiftTab();
    expect(focused(el)).to.equal("confirm-delete-button");
    await sendKeys({ press: "Enter" });
    await until(() => view.list?.chats.length === 0, 5000, "the chat deleted");
    expect((await client.listChats()).chats).to.have.length(0);
  });

  it("is axe-clean at 320 px (200% zoom) with the list open, an error's details shown and the counter over the limit", async () => {
    await setViewport({ width: 320, height: 640 });
    try {
      const el = await fixture<OpenChatElement>(html`<open-chat api=${api} open starter-prompts='["What can you do?"]'></open-chat>`);
      const view = await viewOf(el);
      const client = await view.chat.ready();
      await client.createChat({ title: "A chat with a title long enough to be cut in a narrow list" });
      view.chat.report(await client.getChat("missing-chat").catch((error: unknown) => error));
      $<HTMLButtonElement>(view, "[part=toggle-list-button]")!.click();
      await until(() => $$(view, "[part=chat-item]").length === 1, 5000, "the chat list");
      const input = $<HTMLTextAreaElement>(view, "#input")!;
      input.value = "x".repeat(40_000);
      input.dispatchEvent(new InputEvent("input", { bubbles: true, composed: true }));
      await view.updateComplete;
      $<HTMLDetailsElement>(view, "[part=error] details")!.open = true;
      expect($(view, "[part=counter]")).to.not.equal(null);
      expect($(view, "[part=starter-prompts]")).to.not.equal(null);
      await expect(el).to.be.accessible();
    } finally {
      await setViewport({ width: 1280, height: 900 });
    }
  });
});
