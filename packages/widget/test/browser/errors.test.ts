/**
 * Errors as the end user sees them: a short sentence from the strings table (the developer text
 * folded under "Details"), in the banner and in the live region; the banner clears once a later
 * send is accepted and when the user switches chats.
 */
import { expect, fixture, html, oneEvent } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { EVENT_TYPE, LIVE_MODE, QUERY } from "@open-chat/shared";
import { DEFAULT_STRINGS } from "../../src/common/strings.js";
import type { OpenChatView } from "../../src/view/open-chat-view.js";
import { $, lastAnswer, serverUrl, type, until, viewOf } from "./helpers.js";

/**
 * Holds the page's first live read of a chat's events until `marker` is in that chat's log (read
 * meanwhile by a request of its own), so everything up to it reaches the widget in the first
 * catch-up. Returns the function that restores `fetch`.
 */
function holdFirstLiveRead(marker: string): () => void {
  const original = window.fetch;
  let held = false;
  window.fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!held && url.includes("/events?") && url.includes(`${QUERY.live}=${LIVE_MODE.sse}`)) {
      held = true;
      await readUntil(original, url, init, marker);
    }
    return original(input, init);
  };
  return () => void (window.fetch = original);
}

async function readUntil(fetcher: typeof fetch, url: string, init: RequestInit | undefined, marker: string): Promise<void> {
  const controller = new AbortController();
  const response = await fetcher(url, { ...init, signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the chat's events ended without ${marker}`);
    text += value;
  }
  controller.abort();
}

const banner = (view: OpenChatView) => $(view, "[part=error]");
const bannerText = (view: OpenChatView) => banner(view)?.querySelector("p")?.textContent ?? null;

/** A refused rename (a title over the server's 200 characters) puts a real server error in the banner. */
async function refusedRename(view: OpenChatView, chatId: string): Promise<void> {
  await (await view.chatList()).rename(chatId, "t".repeat(300));
  await view.updateComplete;
  expect(banner(view)).to.not.equal(null);
}

describe("<open-chat> errors", () => {
  let api: string;
  before(async () => {
    api = await serverUrl();
  });
  beforeEach(() => localStorage.clear());

  const mount = async () => viewOf(await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`));

  it("a refused send reads as a human sentence; the developer text is under Details", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`);
    const view = await viewOf(el);
    const failed = oneEvent(el, "open-chat:error");
    // The composer refuses this; a caller of the controller reaches the server's own check.
    const queued = await view.chat.queue("x".repeat(33_000));
    await queued.accepted.catch(() => {});
    expect((await failed).detail.code).to.equal("text_too_long");
    await view.updateComplete;
    expect(bannerText(view)).to.equal(DEFAULT_STRINGS.errorTooLong);
    expect(bannerText(view)).to.not.contain("/v1/");
    const details = banner(view)!.querySelector("details")!;
    expect(details.open).to.equal(false);
    expect(details.querySelector("summary")!.textContent).to.equal("Details");
    expect(details.querySelector("code")!.textContent).to.contain("400 text_too_long");
    await expect(el).to.be.accessible();
  });

  it("an unreachable server reads as a connection problem", async () => {
    const view = await viewOf(await fixture<OpenChatElement>(html`<open-chat api="http://127.0.0.1:9" mode="inline"></open-chat>`));
    await (await view.chatList()).refresh(); // a send would wait in the outbox; loading the chat list fails at once
    await view.updateComplete;
    expect(bannerText(view)).to.equal(DEFAULT_STRINGS.errorNetwork);
  });

  it("a failed answer is announced with a human sentence, not the model's error", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`);
    const view = await viewOf(el);
    const failed = oneEvent(el, "open-chat:error");
    await type(view, "please fail [[fail:http:500]]");
    const answer = await lastAnswer(view);
    expect(answer.status).to.equal("error");
    expect((await failed).detail.code).to.be.a("string");
    await view.updateComplete;
    const region = $(view, "[role=status][aria-live=polite]")!.textContent!;
    expect(region).to.equal(`${DEFAULT_STRINGS.failed}: ${DEFAULT_STRINGS.errorModel}`);
    expect(region).to.not.contain("Scripted failure");
  });

  it("an answer that failed before the new chat's first read is still announced once", async () => {
    // The tail of a chat this view just started opens only after the server made the chat; on a
    // slow network the answer may fail before its first read, so the failure is in the catch-up.
    const release = holdFirstLiveRead(`"${EVENT_TYPE.messageError}"`);
    try {
      const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`);
      const view = await viewOf(el);
      const errors: string[] = [];
      el.addEventListener("open-chat:error", (event) => errors.push((event as CustomEvent<{ code: string }>).detail.code));
      await type(view, "please fail at once [[fail:http:500]]");
      expect((await lastAnswer(view)).status).to.equal("error");
      await view.updateComplete;
      expect(errors).to.have.length(1);
      expect($(view, "[role=status][aria-live=polite]")!.textContent).to.equal(`${DEFAULT_STRINGS.failed}: ${DEFAULT_STRINGS.errorModel}`);
    } finally {
      release();
    }
  });

  it("the banner clears when a later send is accepted", async () => {
    const view = await mount();
    await type(view, "first");
    await lastAnswer(view);
    await refusedRename(view, view.chat.chatId!);
    await type(view, "second");
    await until(() => banner(view) === null, 10_000, "the banner to clear");
    expect(view.chat.error).to.equal(null);
  });

  it("the banner clears when the user switches chats or starts a new one", async () => {
    const view = await mount();
    await type(view, "first");
    await lastAnswer(view);
    const first = view.chat.chatId!;
    const client = await view.chat.ready();
    const other = await client.createChat({ title: "other" });

    await refusedRename(view, first);
    $<HTMLButtonElement>(view, "[part=toggle-list-button]")!.click();
    await until(() => view.shadowRoot!.querySelectorAll("[part=chat-item]").length === 2, 5000, "the chat list (its chunk loads on the first open)");
    [...view.shadowRoot!.querySelectorAll<HTMLButtonElement>("[part=chat-item] .open")].find((b) => b.textContent === "other")!.click();
    await view.updateComplete;
    expect(view.chat.chatId).to.equal(other.id);
    expect(banner(view)).to.equal(null);

    await refusedRename(view, first);
    $<HTMLButtonElement>(view, "[part=new-chat-button]")!.click();
    await view.updateComplete;
    expect(banner(view)).to.equal(null);
  });
});
