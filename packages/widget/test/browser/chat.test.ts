import { expect, fixture, html, oneEvent } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import type { OpenChatMessageDetail } from "../../src/common/events.js";
import { storageKeys } from "@open-chat/sdk";
import { realClick } from "./commands.js";
import { $, $$, lastAnswer, modelGate, rows, scripted, serverUrl, type, until, viewOf } from "./helpers.js";

describe("<open-chat> inline, against a real server", () => {
  let api: string;
  before(async () => {
    api = await serverUrl();
  });
  beforeEach(() => localStorage.clear());
  afterEach(() => modelGate.open()); // a failed test never leaves the next one's answer held

  const mount = async (extra = "") => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline" greeting="Hi! Ask me anything." data-extra=${extra}></open-chat>`);
    const view = await viewOf(el);
    return { el, view };
  };

  it("fires ready, shows the greeting, and is accessible while empty", async () => {
    const el = document.createElement("open-chat");
    el.setAttribute("api", api);
    el.setAttribute("mode", "inline");
    el.setAttribute("greeting", "Hi! Ask me anything.");
    const ready = oneEvent(el, "open-chat:ready");
    document.body.append(el);
    try {
      expect((await ready).detail.chatId).to.equal(null);
      const view = await viewOf(el);
      const panel = el.shadowRoot!.querySelector("[part=panel]")!;
      expect(panel.getAttribute("role")).to.equal("region");
      expect(el.shadowRoot!.querySelector<HTMLElement>("[part=launcher]")!.hidden).to.equal(true);
      expect($(view, "[part=greeting]")!.textContent).to.contain("Hi! Ask me anything.");
      const log = $(view, "[part=transcript]")!;
      expect(log.getAttribute("role")).to.equal("log");
      expect(log.getAttribute("aria-live")).to.equal("off"); // tokens are not read out; the live region is
      expect($(view, "label[for=input]")!.textContent).to.equal("Message");
      await expect(el).to.be.accessible();
    } finally {
      el.remove();
    }
  });

  it("streams an answer, marks both messages saved, announces it once and fires open-chat:message once", async () => {
    const { el, view } = await mount();
    const messages: OpenChatMessageDetail[] = [];
    el.addEventListener("open-chat:message", (event) => messages.push(event.detail));
    const region = $(view, "[aria-live=polite]")!;
    const announcements: string[] = [];
    new MutationObserver(() => announcements.push(region.textContent ?? "")).observe(region, { childList: true, characterData: true, subtree: true });

    // The answer is held mid-stream (some text shown, not ended) for as long as these checks take.
    await modelGate.hold();
    await type(view, "stream please [[tokens:60]]");
    const user = await until(() => rows(view)[0], 2000, "the optimistic user message");
    expect(user.text).to.equal("stream please [[tokens:60]]");
    await until(() => $(view, "open-chat-message .saved"), 5000, "the user message to be saved");
    await modelGate.release(1);
    const streaming = await until(() => rows(view).find((r) => r.role === "assistant" && r.status === "streaming" && r.text.length > 0), 10_000, "streaming text");
    await view.updateComplete;
    expect(streaming.element.querySelector("article")!.getAttribute("aria-busy")).to.equal("true");
    expect($(view, "[part=stop-button]")).to.not.equal(null);
    expect(streaming.element.querySelector(".saved")).to.equal(null); // not durable as an answer yet

    await modelGate.open();
    const answer = await lastAnswer(view);
    await view.updateComplete;
    expect(answer.status).to.equal("completed");
    expect(answer.text.split(" ")).to.have.length(60);
    expect(answer.element.querySelector(".saved")).to.not.equal(null);
    expect($(view, "[part=stop-button]")).to.equal(null);
    expect(messages).to.have.length(1);
    expect(messages[0]!.message.status).to.equal("completed");
    expect(announcements.filter((text) => text.trim() !== "")).to.have.length(1);
    expect(region.textContent).to.contain(answer.text.slice(0, 40));
    await expect(el).to.be.accessible();
    el.theme = "dark"; // the dark palette keeps contrast too
    await expect(el).to.be.accessible();
  });

  it("re-renders only the message that changes, and only the block that grows", async () => {
    const { view } = await mount();
    await type(view, "first");
    const first = await lastAnswer(view);
    let mutations = 0;
    new MutationObserver((records) => (mutations += records.length)).observe(first.element, { childList: true, subtree: true, characterData: true, attributes: true });

    const intro = "Intro paragraph stays put.";
    const markdown = `${intro}\n\n${Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ")}`;
    // Held once the second block has begun: the first block is seen finished while the second still grows.
    await modelGate.hold();
    await type(view, scripted(markdown));
    await modelGate.release(`${intro}\n\nword0`.length);
    const introBlock = await until(
      () => rows(view).at(-1)?.role === "assistant" && rows(view).at(-1)!.element.querySelectorAll(".md-block").length === 2 && rows(view).at(-1)!.element.querySelector(".md-block"),
      10_000,
      "two blocks",
    );
    expect(rows(view).at(-1)!.status).to.equal("streaming");
    await modelGate.open();
    const second = await lastAnswer(view);
    expect(second.text).to.equal(markdown);
    expect(second.element.querySelector(".md-block")).to.equal(introBlock); // the finished block kept its DOM
    expect(introBlock.isConnected).to.equal(true);
    expect(mutations).to.equal(0); // the earlier answer was never touched
  });

  it("stops a running answer with the Stop button", async () => {
    const { view } = await mount();
    // Held after its first text: the answer is still running when Stop is pressed, however fast the machine.
    await modelGate.hold();
    await type(view, "long one [[tokens:400]]");
    const stop = await until(() => $<HTMLButtonElement>(view, "[part=stop-button]"), 10_000, "the stop button");
    await modelGate.release(1);
    await until(() => rows(view).at(-1)!.text.length > 0, 10_000, "some text");
    expect(rows(view).at(-1)!.status).to.equal("streaming");
    stop.click();
    const answer = await lastAnswer(view);
    await view.updateComplete;
    expect(answer.status).to.equal("stopped");
    expect(answer.element.querySelector("[part=message-error]")!.textContent).to.equal("Stopped");
    expect($(view, "[part=stop-button]")).to.equal(null);
  });

  it("shows a failed answer with Retry, which writes the answer again (a version of it, not a new question)", async () => {
    const { el, view } = await mount();
    const errors: string[] = [];
    el.addEventListener("open-chat:error", (event) => errors.push(event.detail.code ?? ""));
    await type(view, "please fail [[fail:http:503]]");
    const failed = await lastAnswer(view);
    expect(failed.status).to.equal("error");
    expect(failed.element.querySelector("[part=message-error]")!.textContent).to.contain("The answer failed");
    expect(errors).to.have.length(1);
    await until(() => !$(view, "[part=stop-button]"), 5000, "idle");
    const failedId = failed.element.message!.id;
    failed.element.querySelector<HTMLButtonElement>("[part=retry-button]")!.click();
    const retried = await until(() => {
      const last = rows(view).at(-1);
      return last?.role === "assistant" && last.status !== "streaming" && last.element.message?.id !== failedId ? last : null;
    }, 10_000, "the answer written again");
    expect(retried.status).to.equal("error"); // the same question fails the same way
    expect(rows(view).map((r) => r.role)).to.deep.equal(["user", "assistant"]);
    expect(view.chat.tail!.state.log.messages.map((m) => m.role)).to.deep.equal(["user", "assistant", "assistant"]);
  });

  it("titles a new chat from a first message that has an emoji at the cut and a control character", async () => {
    const { el, view } = await mount();
    const errors: string[] = [];
    el.addEventListener("open-chat:error", (event) => errors.push(event.detail.code ?? ""));
    const text = `${"x".repeat(70)}\u0007${"y".repeat(8)}😀 and more`; // the 80th UTF-16 unit is half of 😀
    await type(view, text);
    const answer = await lastAnswer(view);
    expect(answer.status).to.equal("completed");
    expect(errors).to.deep.equal([]);
    const client = await view.chat.ready();
    const title = (await client.getChat(view.chat.chatId!)).title;
    expect(title).to.equal(`${"x".repeat(70)} ${"y".repeat(8)}😀`);
  });

  it("copies a message", async () => {
    const { view } = await mount();
    await type(view, "copy me");
    const answer = await lastAnswer(view);
    await view.updateComplete;
    const copy = answer.element.querySelector<HTMLButtonElement>("[part=copy-button]")!;
    expect(copy.getAttribute("aria-label")).to.equal("Copy");
    await realClick(copy); // clipboard writes need user activation
    await until(() => copy.getAttribute("aria-label") === "Copied", 3000, "the copied state");
  });

  it("manages chats in the side panel: new, switch, rename, delete", async () => {
    const { el, view } = await mount();
    await type(view, "chat one");
    await lastAnswer(view);
    const firstChat = view.chat.chatId!;

    const toggle = $<HTMLButtonElement>(view, "[part=toggle-list-button]")!;
    expect(toggle.getAttribute("aria-expanded")).to.equal("false");
    toggle.click();
    await view.updateComplete;
    expect(toggle.getAttribute("aria-expanded")).to.equal("true");
    await until(() => $$(view, "[part=chat-item]").length === 1, 5000, "one chat listed");
    expect($(view, "[part=chat-item] .open")!.textContent).to.equal("chat one");
    expect($(view, "[part=chat-item] .open")!.getAttribute("aria-current")).to.equal("true");

    $<HTMLButtonElement>(view, "[part=new-chat-button]")!.click();
    await view.updateComplete;
    expect(rows(view)).to.have.length(0);
    expect($(view, "[part=greeting]")).to.not.equal(null);
    await type(view, "chat two");
    await lastAnswer(view);
    await until(() => $$(view, "[part=chat-item]").length === 2, 5000, "two chats listed");
    await expect(el).to.be.accessible();

    // Switch back to the first chat.
    const items = () => $$(view, "[part=chat-item]");
    items().find((item) => item.textContent!.includes("chat one"))!.querySelector<HTMLButtonElement>(".open")!.click();
    await until(() => view.chat.chatId === firstChat && rows(view)[0]?.text === "chat one", 5000, "the first chat");

    // Rename it: Enter saves; Escape in the field does not close anything.
    const item = () => items().find((i) => i.querySelector(".open")?.textContent?.includes("chat one") || i.querySelector("input"))!;
    item().querySelector<HTMLButtonElement>(".rename")!.click();
    await view.updateComplete;
    const input = await until(() => (view.shadowRoot!.activeElement?.tagName === "INPUT" ? (view.shadowRoot!.activeElement as HTMLInputElement) : null), 2000, "the title field");
    expect(input.getAttribute("aria-label")).to.equal("Chat title");
    input.value = "Renamed chat";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, composed: true, cancelable: true }));
    await until(() => items().some((i) => i.textContent!.includes("Renamed chat")), 5000, "the new title");
    await until(() => view.shadowRoot!.activeElement?.classList.contains("rename"), 2000, "focus back on the rename button");
    const client = await view.chat.ready();
    expect((await client.getChat(firstChat)).title).to.equal("Renamed chat");

    // Delete it (a visible confirm step): the view leaves the deleted chat.
    const remove = () => items().find((i) => i.textContent!.includes("Renamed chat"))!.querySelector<HTMLButtonElement>(".delete")!;
    remove().click();
    await view.updateComplete;
    const confirm = items().find((i) => i.classList.contains("confirm"))!;
    expect(confirm.querySelector("p")!.textContent).to.equal("Delete “Renamed chat”?");
    confirm.querySelector<HTMLButtonElement>(".yes")!.click();
    await until(() => items().length === 1, 5000, "one chat left");
    expect(view.chat.chatId).to.equal(null);
    expect(rows(view)).to.have.length(0);
    expect((await client.listChats()).chats.map((c) => c.title)).to.deep.equal(["chat two"]);
  });

  it("resumes the chat named by chat-id, and the remembered chat after a reload", async () => {
    const first = await mount();
    await type(first.view, "remember me");
    await lastAnswer(first.view);
    const chatId = first.view.chat.chatId!;
    first.el.remove();

    const again = await mount(); // same guest (token in storage), remembered chat
    await until(() => rows(again.view).length === 2, 10_000, "the remembered chat");
    expect(rows(again.view)[0]!.text).to.equal("remember me");
    again.el.remove();

    const named = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline" chat-id=${chatId}></open-chat>`);
    const view = await viewOf(named);
    await until(() => rows(view).length === 2, 10_000, "the named chat");
    expect(view.chat.chatId).to.equal(chatId);
  });

  it("reports a chat-id that does not exist (or is another user's) and starts empty", async () => {
    const el = document.createElement("open-chat");
    el.setAttribute("api", api);
    el.setAttribute("mode", "inline");
    el.setAttribute("chat-id", "no-such-chat");
    const failed = oneEvent(el, "open-chat:error");
    document.body.append(el);
    try {
      const { detail } = await failed;
      expect(detail.code).to.equal("chat_not_found");
      const view = await viewOf(el);
      await until(() => view.chat.chatId === null, 5000, "the chat to be dropped");
      expect(rows(view)).to.have.length(0);
      expect($(view, "[part=error]")).to.not.equal(null);
    } finally {
      el.remove();
    }
  });

  it("reset() logs out: stored token and state are cleared and a new guest starts empty", async () => {
    const { el, view } = await mount();
    await type(view, "before reset");
    await lastAnswer(view);
    const { prefix } = storageKeys(api);
    expect(Object.keys(localStorage).some((key) => key.startsWith(prefix))).to.equal(true);
    await el.reset();
    expect(Object.keys(localStorage).filter((key) => key.startsWith(prefix))).to.deep.equal([]);
    expect(rows(view)).to.have.length(0);
    const client = await view.chat.ready();
    expect((await client.listChats()).chats).to.deep.equal([]); // signs in as a new guest
  });

  it("identify() with a token the server refuses shows the error with its code; the guest goes on", async () => {
    const { el, view } = await mount();
    const errors: Array<string | undefined> = [];
    el.addEventListener("open-chat:error", (event) => errors.push(event.detail.code));
    const failure = (await el.identify("not-a-site-token").catch((error: unknown) => error)) as { code?: string };
    expect(failure.code).to.equal("invalid_user_token");
    expect(errors).to.deep.equal(["invalid_user_token"]);
    await view.updateComplete;
    expect($(view, "[part=error]")!.getAttribute("role")).to.equal("alert");
    await expect(el).to.be.accessible();
    await type(view, "still a guest");
    expect((await lastAnswer(view)).status).to.equal("completed");
  });
});
