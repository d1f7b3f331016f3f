/**
 * The composer enforces the server's limit (LIMITS.maxMessageTextLength) with a counter near it,
 * and never loses text it did not send: over the limit the text stays (Send is off), and the
 * unsent draft is kept per chat across chat switches and reloads.
 */
import { expect, fixture, html } from "@open-wc/testing";
import { isLocalChatId } from "@open-chat/sdk";
import { LIMITS } from "@open-chat/shared";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import type { OpenChatView } from "../../src/view/open-chat-view.js";
import { $, lastAnswer, rows, serverUrl, type, until, viewOf } from "./helpers.js";

const MAX = LIMITS.maxMessageTextLength;

/** Types `text` into the composer the way a paste does (one input event). */
async function paste(view: OpenChatView, text: string): Promise<HTMLTextAreaElement> {
  const input = $<HTMLTextAreaElement>(view, "#input")!;
  input.focus();
  input.value = text;
  input.dispatchEvent(new InputEvent("input", { bubbles: true, composed: true }));
  await view.updateComplete;
  return input;
}

async function pressEnter(view: OpenChatView): Promise<void> {
  $(view, "#input")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, composed: true, cancelable: true }));
  await view.updateComplete;
}

describe("<open-chat> composer", () => {
  let api: string;
  before(async () => {
    api = await serverUrl();
  });
  beforeEach(() => localStorage.clear());

  const mount = async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`);
    return { el, view: await viewOf(el) };
  };

  it("shows no counter for ordinary messages, and one near the limit", async () => {
    const { view } = await mount();
    await paste(view, "hello");
    expect($(view, "[part=counter]")).to.equal(null);
    const input = await paste(view, "a".repeat(MAX - 100));
    expect($(view, "[part=counter]")!.textContent!.trim()).to.equal(`${(MAX - 100).toLocaleString()} / ${MAX.toLocaleString()}`);
    expect(input.getAttribute("aria-describedby")).to.equal("counter");
    expect(input.getAttribute("aria-invalid")).to.equal("false");
    expect($<HTMLButtonElement>(view, "[part=send-button]")!.disabled).to.equal(false);
  });

  it("over the limit: says by how much, Send is off, Enter sends nothing and the text stays", async () => {
    const { el, view } = await mount();
    const text = "b".repeat(MAX + 1000);
    const input = await paste(view, text);
    expect($(view, "[part=counter]")!.textContent!.trim()).to.equal(`Too long by ${(1000).toLocaleString()} characters`);
    expect($(view, "[part=counter]")!.classList.contains("over")).to.equal(true);
    expect(input.getAttribute("aria-invalid")).to.equal("true");
    expect($<HTMLButtonElement>(view, "[part=send-button]")!.disabled).to.equal(true);
    await pressEnter(view);
    expect(input.value).to.equal(text);
    expect(rows(view)).to.have.length(0);
    expect(view.chat.chatId).to.equal(null); // no chat was created for it
    await expect(el).to.be.accessible();
    // Shortened to the limit, it goes.
    await paste(view, "c".repeat(MAX));
    await pressEnter(view);
    expect(input.value).to.equal("");
    expect((await lastAnswer(view)).status).to.equal("completed");
  });

  it("send() refuses an over-long text with a clear error instead of failing at the server", async () => {
    const { el } = await mount();
    let error: unknown;
    await el.send("d".repeat(MAX + 1)).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(RangeError);
    expect((error as Error).message).to.contain("text_too_long");
  });

  it("keeps the unsent draft of each chat across chat switches and a reload", async () => {
    const { view } = await mount();
    await type(view, "first message");
    await lastAnswer(view);
    const chatId = view.chat.chatId!;
    await paste(view, "half-written thought");

    view.newChat();
    await view.updateComplete;
    expect($<HTMLTextAreaElement>(view, "#input")!.value).to.equal("");
    await paste(view, "a draft for the new chat");

    view.chat.select(chatId);
    await view.updateComplete;
    expect($<HTMLTextAreaElement>(view, "#input")!.value).to.equal("half-written thought");

    // A reload: a new element on the same server shows the remembered chat with its draft.
    const again = await mount();
    await again.view.updateComplete;
    expect(again.view.chat.chatId).to.equal(chatId);
    expect($<HTMLTextAreaElement>(again.view, "#input")!.value).to.equal("half-written thought");
    again.view.newChat();
    await again.view.updateComplete;
    expect($<HTMLTextAreaElement>(again.view, "#input")!.value).to.equal("a draft for the new chat");
  });

  it("text typed while the first message starts the chat stays when the chat gets its server id", async () => {
    const { view } = await mount();
    await type(view, "first message");
    await paste(view, "the next question");
    const client = await view.chat.ready();
    await until(() => view.chat.chatId && !isLocalChatId(view.chat.chatId), 10_000, "the server's chat id");
    await view.updateComplete;
    expect($<HTMLTextAreaElement>(view, "#input")!.value).to.equal("the next question");
    expect((await client.listChats()).chats).to.have.length(1);
    const again = await mount(); // and after a reload
    expect($<HTMLTextAreaElement>(again.view, "#input")!.value).to.equal("the next question");
  });

  it("a sent message clears its draft; a send that could not be queued gives the text back", async () => {
    const { view } = await mount();
    await type(view, "sent once");
    await lastAnswer(view);
    const chatId = view.chat.chatId!;
    expect($<HTMLTextAreaElement>(view, "#input")!.value).to.equal("");
    const again = await mount();
    expect(again.view.chat.chatId).to.equal(chatId);
    expect($<HTMLTextAreaElement>(again.view, "#input")!.value).to.equal("");

    // No server set: nothing can be queued, so the text comes back.
    const unset = await viewOf(await fixture<OpenChatElement>(html`<open-chat mode="inline"></open-chat>`));
    await type(unset, "kept for later");
    await until(() => unset.chat.error, 10_000, "the failed send");
    await unset.updateComplete;
    expect($<HTMLTextAreaElement>(unset, "#input")!.value).to.equal("kept for later");
  });
});
