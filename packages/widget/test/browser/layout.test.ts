/**
 * Layout of the view at panel widths of 320, 400 and 768 px, inline and in the launcher panel,
 * measured with getBoundingClientRect: the chat list has its own width (a long title is cut,
 * never widens it), the narrow layout (list over the conversation) follows the panel's width
 * and not the viewport's, the composer stays one row, and nothing overflows horizontally — 320 px
 * is also what a 640 px window shows at 200% zoom.
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import type { OpenChatView } from "../../src/view/open-chat-view.js";
import { setViewport } from "./commands.js";
import { $, $$, serverUrl, until, viewOf } from "./helpers.js";

const LONG_TITLE = "A very long first message that became the title of this chat and goes on and on and";

const box = (element: Element) => element.getBoundingClientRect();

/** Every rendered element of the view (its shadow tree, the list's light DOM included) that sticks out of the view horizontally. */
function overflowing(view: OpenChatView): string[] {
  const outer = box(view);
  const out: string[] = [];
  for (const element of view.shadowRoot!.querySelectorAll("*")) {
    const rect = box(element);
    if (rect.width === 0 || element.closest(".sr-only")) continue;
    if (rect.left < outer.left - 0.5 || rect.right > outer.right + 0.5) out.push(`${element.localName}.${element.className} ${rect.left}–${rect.right}`);
  }
  for (const selector of [".view", ".header", ".body", ".main", ".composer", ".transcript"]) {
    const element = $(view, selector)!;
    if (element.scrollWidth > element.clientWidth + 1) out.push(`${selector} scrolls: ${element.scrollWidth} > ${element.clientWidth}`);
  }
  return out;
}

/** Creates a chat with a long title, shows it, and opens the chat list. */
async function withListOpen(view: OpenChatView): Promise<void> {
  const client = await view.chat.ready();
  const chat = await client.createChat({ title: LONG_TITLE });
  view.chat.select(chat.id);
  $<HTMLButtonElement>(view, "[part=toggle-list-button]")!.click();
  await until(() => $$(view, "[part=chat-item]").length > 0, 5000, "the chat list");
  await view.updateComplete;
}

function measure(view: OpenChatView) {
  return {
    view: box(view),
    list: box($(view, "open-chat-list")!),
    transcript: box($(view, "[part=transcript]")!),
    input: box($(view, "#input")!),
    send: box($(view, "[part=send-button]")!),
    title: $(view, "[part=chat-item] .open")!,
  };
}

function expectCommon(view: OpenChatView, width: number): void {
  const m = measure(view);
  expect(Math.round(m.view.width)).to.be.within(width - 2, width); // the panel's border
  // The list is at most its own width, and the long title is cut with an ellipsis inside it.
  expect(m.list.width).to.be.at.most(Math.min(280, m.view.width * 0.85) + 0.5);
  expect(m.title.scrollWidth).to.be.greaterThan(m.title.clientWidth);
  expect(box(m.title).right).to.be.at.most(m.list.right + 0.5);
  // The composer stays one row: the send button beside the input, the input wide enough to type in.
  expect(m.send.top).to.be.below(m.input.bottom);
  expect(m.send.left).to.be.at.least(m.input.right);
  expect(m.input.width).to.be.at.least(150);
  expect(overflowing(view)).to.deep.equal([]);
}

function expectNarrow(view: OpenChatView): void {
  const m = measure(view);
  // The list floats over the conversation, which keeps the panel's full width.
  expect(m.transcript.width).to.be.at.least(m.view.width - 1);
  expect(m.list.left).to.be.closeTo(m.view.left, 1);
  expect(getComputedStyle($(view, "open-chat-list")!).position).to.equal("absolute");
}

function expectWide(view: OpenChatView): void {
  const m = measure(view);
  // The list sits beside the conversation; the conversation gets everything else.
  expect(getComputedStyle($(view, "open-chat-list")!).position).to.not.equal("absolute");
  expect(m.transcript.left).to.be.at.least(m.list.right - 0.5);
  expect(m.transcript.width).to.be.at.least(m.view.width - m.list.width - 2);
  expect(m.list.width).to.be.within(200, 260);
}

describe("<open-chat> layout", () => {
  let api: string;
  before(async () => {
    api = await serverUrl();
  });
  beforeEach(() => localStorage.clear());
  afterEach(() => setViewport({ width: 1280, height: 900 }));

  for (const width of [320, 400, 768]) {
    it(`inline at ${width}px: list, transcript and composer fit`, async () => {
      await setViewport({ width: 1280, height: 900 });
      const wrapper = await fixture<HTMLDivElement>(html`<div style="width: ${width}px"><open-chat api=${api} mode="inline"></open-chat></div>`);
      const view = await viewOf(wrapper.querySelector<OpenChatElement>("open-chat")!);
      await withListOpen(view);
      expectCommon(view, width);
      if (width < 560) expectNarrow(view);
      else expectWide(view);
    });

    it(`launcher panel at ${width}px: list, transcript and composer fit`, async () => {
      // 320: a phone, or a 640px window at 200% zoom (the panel then fills the window).
      await setViewport(width === 320 ? { width: 320, height: 640 } : { width: 1280, height: 900 });
      const el = await fixture<OpenChatElement>(html`<open-chat api=${api} open style="--open-chat-width: ${width}px"></open-chat>`);
      const view = await viewOf(el);
      await withListOpen(view);
      expectCommon(view, width);
      if (width < 560) expectNarrow(view);
      else expectWide(view);
    });
  }

  it("a short title does not widen or narrow the list: the same width as a long one", async () => {
    await setViewport({ width: 1280, height: 900 });
    const wrapper = await fixture<HTMLDivElement>(html`<div style="width: 768px"><open-chat api=${api} mode="inline"></open-chat></div>`);
    const view = await viewOf(wrapper.querySelector<OpenChatElement>("open-chat")!);
    const client = await view.chat.ready();
    view.chat.select((await client.createChat({ title: "Hi" })).id);
    $<HTMLButtonElement>(view, "[part=toggle-list-button]")!.click();
    await until(() => $$(view, "[part=chat-item]").length === 1, 5000, "the chat list");
    const short = box($(view, "open-chat-list")!).width;
    await client.createChat({ title: LONG_TITLE });
    await (await view.chatList()).refresh();
    await view.updateComplete;
    expect($$(view, "[part=chat-item]")).to.have.length(2);
    expect(box($(view, "open-chat-list")!).width).to.equal(short);
    // No gap: the transcript starts where the list ends.
    expect(box($(view, "[part=transcript]")!).left).to.be.closeTo(box($(view, "open-chat-list")!).right, 1);
  });

  it("picking a chat in the narrow layout closes the floating list", async () => {
    await setViewport({ width: 1280, height: 900 });
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} open></open-chat>`);
    const view = await viewOf(el);
    await withListOpen(view);
    $<HTMLButtonElement>(view, "[part=chat-item] .open")!.click();
    await view.updateComplete;
    expect($(view, "open-chat-list")).to.equal(null);
    expect($(view, "[part=toggle-list-button]")!.getAttribute("aria-expanded")).to.equal("false");
  });
});
