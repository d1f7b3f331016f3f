import { expect, fixture, html, oneEvent } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { storageKeys } from "@open-chat/sdk";
import { $, lastAnswer, rows, siteServer, type, until, userToken, viewOf } from "./helpers.js";

/** Requests the page makes, as `METHOD path`, while `run` runs. */
async function recorded<T>(run: (seen: Array<{ call: string; key: string | null }>) => Promise<T>): Promise<T> {
  const seen: Array<{ call: string; key: string | null }> = [];
  const original = window.fetch;
  window.fetch = (input, init) => {
    seen.push({ call: `${init?.method ?? "GET"} ${new URL(String(input), location.href).pathname}`, key: new Headers(init?.headers).get("x-open-chat-key") });
    return original(input, init);
  };
  try {
    return await run(seen);
  } finally {
    window.fetch = original;
  }
}

describe("<open-chat> on a server that serves several sites", () => {
  let site: { api: string; publishableKey: string };
  before(async () => {
    site = await siteServer();
  });
  beforeEach(() => localStorage.clear());

  /** The status of a request the way the site's page makes one, with this bearer token. */
  const statusWith = async (token: string) =>
    (await fetch(`${site.api}/v1/chats`, { headers: { Authorization: `Bearer ${token}`, "X-Open-Chat-Key": site.publishableKey } })).status;
  const stored = () => {
    const keys = storageKeys(site.api);
    const user = localStorage.getItem(keys.user);
    return { token: localStorage.getItem(keys.token), user: user ? (JSON.parse(user) as { id: string; subject: string }) : null, keys };
  };

  it("sends the site's publishable key on every request and shows the connection as live", async () => {
    await recorded(async (seen) => {
      const el = await fixture<OpenChatElement>(html`<open-chat api=${site.api} publishable-key=${site.publishableKey} mode="inline"></open-chat>`);
      const view = await viewOf(el);
      await type(view, "key?");
      await lastAnswer(view);
      expect(seen.length).to.be.greaterThan(0);
      expect(seen.every((request) => request.key === site.publishableKey)).to.equal(true);
      await until(() => $(view, "[part=status]")!.classList.contains("live"), 5000, "live");
    });
  });

  it("identify() signs in as the site's user and keeps the guest's chat", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${site.api} publishable-key=${site.publishableKey} mode="inline"></open-chat>`);
    const view = await viewOf(el);
    await type(view, "asked as a guest");
    await lastAnswer(view);
    const chatId = view.chat.chatId;
    const guest = stored().token!;

    await el.identify(await userToken("widget-alice"));
    const after = stored();
    expect(after.user!.subject).to.equal("widget-alice");
    expect(after.token).to.not.equal(guest);
    expect(await statusWith(guest)).to.equal(401); // the guest was merged into the user
    // The same chat, read again from the user's log.
    await until(() => view.chat.chatId === chatId && rows(view).length === 2 && rows(view)[1]!.status === "completed", 10_000, "the chat again");
    expect(rows(view)[0]!.text).to.equal("asked as a guest");
    const client = await view.chat.ready();
    expect((await client.listChats()).chats.map((chat) => chat.id)).to.deep.equal([chatId]);
  });

  it("user-token signs in before anything else; reset() signs out and the old token is refused", async () => {
    const token = await userToken("widget-bob");
    await recorded(async (seen) => {
      const el = document.createElement("open-chat");
      el.setAttribute("api", site.api);
      el.setAttribute("publishable-key", site.publishableKey);
      el.setAttribute("mode", "inline");
      el.setAttribute("user-token", token);
      const ready = oneEvent(el, "open-chat:ready");
      document.body.append(el);
      try {
        await ready;
        expect(stored().user!.subject).to.equal("widget-bob");
        expect(seen.map((request) => request.call)).to.deep.equal(["POST /v1/auth/sign-in/jwt"]); // never a guest first
        const view = await viewOf(el);
        await type(view, "as bob");
        await lastAnswer(view);
        const bob = stored().token!;

        await el.reset();
        expect(seen.map((request) => request.call)).to.include("POST /v1/auth/sign-out");
        expect(Object.keys(localStorage).filter((key) => key.startsWith(stored().keys.prefix))).to.deep.equal([]);
        expect(rows(view)).to.have.length(0);
        expect(await statusWith(bob)).to.equal(401);
      } finally {
        el.remove();
      }
    });
  });

  it("identify() before the launcher first opens waits for the element to load, then signs in", async () => {
    const token = await userToken("widget-carol");
    await recorded(async (seen) => {
      const el = await fixture<OpenChatElement>(html`<open-chat api=${site.api} publishable-key=${site.publishableKey}></open-chat>`);
      await el.identify(token);
      expect(el.shadowRoot!.querySelector("open-chat-view")).to.equal(null); // nothing loaded, nothing sent
      expect(seen).to.deep.equal([]);
      const ready = oneEvent(el, "open-chat:ready");
      el.open();
      await ready;
      expect(stored().user!.subject).to.equal("widget-carol");
      expect(seen.map((request) => request.call)).to.deep.equal(["POST /v1/auth/sign-in/jwt"]);
    });
  });

  it("without publishable-key it shows what is missing", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${site.api} mode="inline"></open-chat>`);
    const view = await viewOf(el);
    const failed = oneEvent(el, "open-chat:error");
    await type(view, "hello?");
    expect((await failed).detail.code).to.equal("publishable_key_required");
    await view.updateComplete;
    expect($(view, "[part=error]")!.textContent).to.contain("publishable key");
  });
});
