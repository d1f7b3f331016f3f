/**
 * One transcript row: what an empty, stopped or failed answer says, `aria-busy` while an answer
 * streams (real server, answer held in the model gate), timestamps (relative, exact on hover
 * and focus, one shared clock) and copying an answer's markdown source.
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { ChatMessage } from "@open-chat/sdk";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { clock, dayLabel, exactTime, relativeTime } from "../../src/common/time.js";
import { messageStyles } from "../../src/view/message-styles.js";
import "../../src/view/open-chat-message.js";
import type { OpenChatMessage } from "../../src/view/open-chat-message.js";
import { realClick, sendKeys } from "./commands.js";
import { assistant, lastAnswer, modelGate, rows, scripted, serverUrl, type, until, viewOf } from "./helpers.js";

const MINUTE = 60_000;
const row = (message: ChatMessage, locale = "en") =>
  fixture<OpenChatMessage>(html`<div class="view"><open-chat-message .message=${message} locale=${locale}></open-chat-message></div>`).then((wrapper) => wrapper.querySelector("open-chat-message")!);
/** A row inside a shadow root with the transcript's styles (rows have no shadow root of their own). */
async function styledRow(message: ChatMessage): Promise<OpenChatMessage> {
  const host = await fixture<HTMLElement>(html`<div></div>`);
  const root = host.attachShadow({ mode: "open" });
  root.adoptedStyleSheets = [messageStyles.styleSheet!];
  const el = document.createElement("open-chat-message");
  el.message = message;
  el.locale = "en";
  root.append(el);
  await el.updateComplete;
  return el;
}
const at = (message: ChatMessage, createdAt: number): ChatMessage => ({ ...message, createdAt: new Date(createdAt).toISOString() });

/** Records what the page writes to the clipboard (the real write still happens). */
function recordClipboard(): { written: string[]; restore: () => void } {
  const written: string[] = [];
  const original = navigator.clipboard.writeText;
  navigator.clipboard.writeText = (text: string) => {
    written.push(text);
    return original.call(navigator.clipboard, text);
  };
  return { written, restore: () => void (navigator.clipboard.writeText = original) };
}

describe("message", () => {
  afterEach(async () => {
    clock.now = () => Date.now();
    await modelGate.open(); // a failed test never leaves the next one's answer held
  });

  it("an answer that ended empty says so, without a saved tick; a stopped one says Stopped once, with Retry", async () => {
    const empty = await row(assistant("", "completed"));
    expect(empty.querySelector("[part=message-empty]")!.textContent).to.equal("No answer");
    expect(empty.querySelector("[part=saved]")).to.equal(null);
    expect(empty.querySelector("[part=copy-button]")).to.equal(null);
    await expect(empty).to.be.accessible();

    const stopped = await row(assistant("", "stopped"));
    expect(stopped.querySelector("[part=message-empty]")!.textContent).to.equal("Stopped");
    expect(stopped.querySelector("[part=message-error]")).to.equal(null);
    expect(stopped.querySelector("[part=retry-button]")).to.not.equal(null);
    expect(stopped.textContent!.match(/Stopped/g)).to.have.length(1);

    const done = await row(assistant("Hello", "completed"));
    expect(done.querySelector("[part=saved]")).to.not.equal(null);
    expect(done.querySelector("[part=message-empty]")).to.equal(null);
  });

  it("a failed answer says what failed in the strings table's words, no blank bubble, no saved tick", async () => {
    const failed: ChatMessage = { ...assistant("", "error"), error: { code: "model_timeout", message: "upstream model timed out after 60000ms", retryable: true } };
    const el = await row(failed);
    expect(el.querySelector("[part=message-content]")).to.equal(null);
    expect(el.querySelector("[part=message-error]")!.textContent).to.equal(`The answer failed: ${el.strings.errorModel}`);
    expect(el.textContent).to.not.contain("60000ms");
    expect(el.querySelector("[part=saved]")).to.equal(null);
    expect(el.querySelector("[part=retry-button]")).to.not.equal(null);
    await expect(el).to.be.accessible();

    const partial = await row({ ...failed, text: "Half an ans", error: { code: "not_a_known_code" as never, message: "x", retryable: false } });
    expect(partial.querySelector(".md")!.textContent).to.equal("Half an ans");
    expect(partial.querySelector("[part=message-error]")!.textContent).to.equal(`The answer failed: ${partial.strings.errorGeneric}`);
  });

  it("aria-busy is true on the streaming answer and removed when it ends (real server)", async () => {
    localStorage.clear();
    const el = await fixture<OpenChatElement>(html`<open-chat api=${await serverUrl()} mode="inline"></open-chat>`);
    const view = await viewOf(el);
    await modelGate.hold();
    await type(view, scripted("A streamed answer that ends."));
    await modelGate.release(5);
    const streaming = await until(() => rows(view).find((r) => r.role === "assistant" && r.status === "streaming" && r.text.length > 0), 10_000, "a streaming answer");
    await streaming.element.updateComplete;
    const article = streaming.element.querySelector("article")!;
    expect(article.getAttribute("aria-busy")).to.equal("true");
    await modelGate.open();
    const answer = await lastAnswer(view);
    await answer.element.updateComplete;
    expect(answer.status).to.equal("completed");
    expect(answer.element.querySelector("article")!.hasAttribute("aria-busy")).to.equal(false);
  });

  it("shows the relative time in the element's locale, the exact time as title, label and on keyboard focus", async () => {
    const now = Date.now();
    const el = await styledRow(at(assistant("Hi"), now - 2 * MINUTE));
    const time = el.querySelector<HTMLTimeElement>("time[part=timestamp]")!;
    const created = new Date(now - 2 * MINUTE);
    expect(time.textContent).to.equal("2 minutes ago");
    expect(time.dateTime).to.equal(created.toISOString());
    expect(time.title).to.equal(exactTime(created, "en"));
    expect(time.getAttribute("aria-label")).to.equal(`2 minutes ago (${exactTime(created, "en")})`);

    const before = document.createElement("button");
    before.textContent = "before";
    el.before(before);
    before.focus();
    await sendKeys({ press: "Tab" });
    expect(el.getRootNode()).to.be.instanceOf(ShadowRoot);
    expect((el.getRootNode() as ShadowRoot).activeElement).to.equal(time);
    expect(getComputedStyle(time, "::after").content).to.contain(exactTime(created, "en"));
    await expect(el).to.be.accessible();

    const german = await row(at(assistant("Hallo"), now - 2 * MINUTE), "de");
    expect(german.querySelector("time")!.textContent).to.equal("vor 2 Minuten");
    // Without a locale of its own, the nearest lang decides (the view's `locale`).
    const wrapper = await fixture<HTMLElement>(html`<div lang="fr"><open-chat-message .message=${at(assistant("Salut"), now - 2 * MINUTE)}></open-chat-message></div>`);
    expect(wrapper.querySelector("time")!.textContent).to.equal("il y a 2 minutes");
  });

  it("one shared clock: a tick re-renders only the rows whose label changed", async () => {
    const base = Date.now();
    clock.now = () => base;
    const recent = await row(at(assistant("recent"), base - 2 * MINUTE));
    const older = await row(at(assistant("older"), base - 5 * 60 * MINUTE));
    expect(recent.querySelector("time")!.textContent).to.equal("2 minutes ago");
    expect(older.querySelector("time")!.textContent).to.equal("5 hours ago");
    const changed: Element[] = [];
    const observer = new MutationObserver((records) => changed.push(...records.map((r) => (r.target instanceof Element ? r.target : r.target.parentElement!).closest("open-chat-message")!)));
    for (const el of [recent, older]) observer.observe(el, { subtree: true, childList: true, characterData: true, attributes: true });
    clock.now = () => base + MINUTE;
    clock.tick();
    await Promise.all([recent.updateComplete, older.updateComplete]);
    observer.disconnect();
    expect(recent.querySelector("time")!.textContent).to.equal("3 minutes ago");
    expect(older.querySelector("time")!.textContent).to.equal("5 hours ago");
    expect(new Set(changed)).to.deep.equal(new Set([recent]));
  });

  it("formats relative times coarsely and day labels for separators", () => {
    const now = new Date(2026, 10, 30, 15, 0).getTime();
    expect(relativeTime(new Date(now - 20_000), now, "en")).to.equal("now");
    expect(relativeTime(new Date(now - 90 * MINUTE), now, "en")).to.equal("2 hours ago");
    expect(relativeTime(new Date(now - 2 * 24 * 60 * MINUTE), now, "en")).to.equal("2 days ago");
    expect(relativeTime(new Date(2026, 0, 5), now, "en")).to.equal("Jan 5, 2026");
    expect(relativeTime(new Date(now - 2 * MINUTE), now, "not a locale!")).to.be.a("string"); // falls back, never throws
    expect(dayLabel(new Date(now - 60 * MINUTE), "en", now)).to.equal("Today");
    expect(dayLabel(new Date(2026, 10, 29, 23, 59), "en", now)).to.equal("Yesterday");
    expect(dayLabel(new Date(2026, 10, 29, 9), "de", now)).to.equal("Gestern");
    expect(dayLabel(new Date(2026, 10, 2), "en", now)).to.equal("Monday, November 2");
    expect(dayLabel(new Date(2025, 10, 2), "en", now)).to.equal("Sunday, November 2, 2025");
  });

  it("copies an answer as its markdown source, from the actions row", async () => {
    const markdown = "# Plan\n\n- **one**\n- `two`\n\n| a | b |\n|---|---|\n| 1 | 2 |";
    const el = await row(assistant(markdown));
    const copy = el.querySelector<HTMLButtonElement>("[part=actions] [part=copy-button]")!;
    expect(copy.title).to.equal("Copy as Markdown");
    const clipboard = recordClipboard();
    try {
      await realClick(copy); // clipboard writes need user activation
      await until(() => copy.getAttribute("aria-label") === "Copied", 3000, "the copied state");
    } finally {
      clipboard.restore();
    }
    expect(clipboard.written).to.deep.equal([markdown]);
  });
});
