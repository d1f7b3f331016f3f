import { expect, fixture, html, oneEvent } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { emulateMedia, sendKeys, setViewport } from "./commands.js";
import { $, lastAnswer, serverUrl, until, viewOf } from "./helpers.js";

const shell = (el: OpenChatElement) => ({
  launcher: el.shadowRoot!.querySelector<HTMLButtonElement>("[part=launcher]")!,
  badge: el.shadowRoot!.querySelector<HTMLElement>("[part=badge]")!,
  panel: el.shadowRoot!.querySelector<HTMLElement>("[part=panel]")!,
});

const focusedInput = (el: OpenChatElement) =>
  until(() => el.shadowRoot!.querySelector("open-chat-view")?.shadowRoot?.activeElement?.id === "input", 5000, "focus in the composer");

describe("<open-chat> launcher", () => {
  let api: string;
  before(async () => {
    api = await serverUrl();
  });
  beforeEach(() => localStorage.clear());

  // First on purpose: the full element is a separate chunk that nothing has loaded yet.
  it("loads only the shell until the launcher opens", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} title="Support"></open-chat>`);
    const { launcher, panel, badge } = shell(el);
    expect(customElements.get("open-chat-view")).to.equal(undefined);
    expect(el.shadowRoot!.querySelector("open-chat-view")).to.equal(null);
    expect(launcher.hidden).to.equal(false);
    expect(launcher.getAttribute("aria-expanded")).to.equal("false");
    expect(launcher.getAttribute("aria-label")).to.equal("Open chat");
    expect(panel.hidden).to.equal(true);
    expect(badge.hidden).to.equal(true);
    await expect(el).to.be.accessible();
  });

  it("opens on click into a labelled dialog with focus in the composer", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} title="Support"></open-chat>`);
    const { launcher, panel } = shell(el);
    const opened = oneEvent(el, "open-chat:open");
    launcher.click();
    await opened;
    expect(el.isOpen).to.equal(true);
    expect(el.hasAttribute("open")).to.equal(true);
    expect(launcher.getAttribute("aria-expanded")).to.equal("true");
    expect(launcher.getAttribute("aria-label")).to.equal("Close chat");
    expect(panel.hidden).to.equal(false);
    expect(panel.getAttribute("role")).to.equal("dialog");
    expect(panel.getAttribute("aria-label")).to.equal("Support");
    const view = await viewOf(el);
    expect($(view, "h2")!.textContent).to.equal("Support");
    await focusedInput(el);
    await expect(el).to.be.accessible();
  });

  it("Escape closes and returns focus to the launcher", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} open></open-chat>`);
    await viewOf(el);
    $(await viewOf(el), "#input")!.focus();
    const closed = oneEvent(el, "open-chat:close");
    await sendKeys({ press: "Escape" });
    await closed;
    expect(el.isOpen).to.equal(false);
    expect(shell(el).panel.hidden).to.equal(true);
    expect(el.shadowRoot!.activeElement).to.equal(shell(el).launcher);
  });

  it("works with the keyboard alone: Tab to the launcher, Enter opens, Escape closes", async () => {
    const wrapper = await fixture<HTMLDivElement>(html`<div><button id="before">before</button><open-chat api=${api}></open-chat></div>`);
    const el = wrapper.querySelector("open-chat")!;
    wrapper.querySelector<HTMLButtonElement>("#before")!.focus();
    await sendKeys({ press: "Tab" });
    expect(el.shadowRoot!.activeElement).to.equal(shell(el).launcher);
    await sendKeys({ press: "Enter" });
    await until(() => el.isOpen, 2000, "open");
    await focusedInput(el);
    await sendKeys({ press: "Escape" });
    await until(() => !el.isOpen, 2000, "closed");
    expect(el.shadowRoot!.activeElement).to.equal(shell(el).launcher);
  });

  it("the header's close button closes and returns focus", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} open></open-chat>`);
    const view = await viewOf(el);
    const close = $<HTMLButtonElement>(view, "[part=close-button]")!;
    expect(close.getAttribute("aria-label")).to.equal("Close chat");
    close.focus();
    close.click();
    await until(() => !el.isOpen, 2000, "closed");
    expect(el.shadowRoot!.activeElement).to.equal(shell(el).launcher);
  });

  it("open(), close(), toggle() and the open attribute drive the same state and events", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api}></open-chat>`);
    const events: string[] = [];
    el.addEventListener("open-chat:open", () => events.push("open"));
    el.addEventListener("open-chat:close", () => events.push("close"));
    el.open();
    el.close();
    el.toggle();
    el.removeAttribute("open");
    el.setAttribute("open", "");
    el.isOpen = false;
    expect(events).to.deep.equal(["open", "close", "open", "close", "open", "close"]);
  });

  it("goes full-screen on a small viewport", async () => {
    await setViewport({ width: 375, height: 667 });
    try {
      const el = await fixture<OpenChatElement>(html`<open-chat api=${api} open></open-chat>`);
      await viewOf(el);
      for (const animation of shell(el).panel.getAnimations()) animation.finish();
      const box = shell(el).panel.getBoundingClientRect();
      expect([box.left, box.top, box.width, box.height]).to.deep.equal([0, 0, 375, 667]);
    } finally {
      await setViewport({ width: 800, height: 600 });
    }
  });

  it("follows prefers-color-scheme unless theme is set, and respects reduced motion", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} open></open-chat>`);
    await viewOf(el);
    const { panel } = shell(el);
    const background = () => getComputedStyle(panel).backgroundColor;
    try {
      await emulateMedia({ colorScheme: "dark" });
      expect(background()).to.equal("rgb(17, 24, 39)");
      el.theme = "light";
      expect(background()).to.equal("rgb(255, 255, 255)");
      await emulateMedia({ colorScheme: "light" });
      el.theme = "dark";
      expect(background()).to.equal("rgb(17, 24, 39)");
      el.style.setProperty("--open-chat-background", "rgb(1, 2, 3)");
      expect(background()).to.equal("rgb(1, 2, 3)");
      expect(getComputedStyle(panel).animationName).to.equal("oc-pop");
      await emulateMedia({ reducedMotion: "reduce" });
      expect(getComputedStyle(panel).animationName).to.equal("none");
    } finally {
      await emulateMedia({ colorScheme: "light", reducedMotion: "no-preference" });
    }
  });

  it("shows an unread badge for answers that end while closed, and clears it on open", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api}></open-chat>`);
    const counts: number[] = [];
    el.addEventListener("open-chat:unread", (event) => counts.push(event.detail.count));
    el.open();
    const view = await viewOf(el);
    el.close(); // closed before the send: the answer cannot end while the panel is open
    await el.send("count me [[tokens:30]]");
    // The answer has ended on the client (every one of its 30 tokens folded and rendered), so
    // every unread event it could cause has been dispatched: exactly one, not one per token.
    expect((await lastAnswer(view)).status).to.equal("completed");
    await view.updateComplete;
    expect(counts).to.deep.equal([1]);
    expect(el.unread).to.equal(1);
    const { badge, launcher } = shell(el);
    expect(badge.hidden).to.equal(false);
    expect(badge.textContent).to.equal("1");
    expect(launcher.getAttribute("aria-label")).to.equal("Open chat, 1 unread");
    await expect(el).to.be.accessible();
    el.open();
    expect(badge.hidden).to.equal(true);
    expect(el.unread).to.equal(0);
    await view.updateComplete;
    expect(counts).to.deep.equal([1, 0]);
  });

  it("send() before the launcher was ever opened loads the view and counts the answer as unread", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api}></open-chat>`);
    const result = await el.send("hello from the page");
    expect(result?.assistantMessageId).to.be.a("string");
    await until(() => el.unread === 1, 15_000, "one unread answer");
    expect(shell(el).panel.hidden).to.equal(true);
  });
});
