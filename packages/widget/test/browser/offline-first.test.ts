/**
 * A new visitor's first message while the browser is offline (Chromium's network state emulation
 * with the chat server unreachable, commands.ts `setOffline`):
 * it shows as pending — not failed, no error — survives a reload while still offline, and once
 * the network returns the visitor is signed in, the chat is created exactly once (one
 * Idempotency-Key) and the message sent exactly once (one clientMessageId) and answered.
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { createChatClient, storageKeys } from "@open-chat/sdk";
import { setOffline } from "./commands.js";
import { $, lastAnswer, rows, serverUrl, type, until, viewOf } from "./helpers.js";

interface Call {
  method: string;
  path: string;
  idempotencyKey: string | null;
  body: string | null;
  status: number;
}

describe("<open-chat> offline first message", () => {
  let api: string;
  const calls: Call[] = [];
  const realFetch = window.fetch;

  before(async () => {
    api = await serverUrl();
    // Every request the page makes to the chat server, and how it ended (0: no response).
    window.fetch = async (input, init) => {
      const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
      if (url.origin !== new URL(api).origin) return realFetch(input, init);
      const call: Call = { method: init?.method ?? "GET", path: url.pathname, idempotencyKey: new Headers(init?.headers).get("Idempotency-Key"), body: typeof init?.body === "string" ? init.body : null, status: 0 };
      calls.push(call);
      const response = await realFetch(input, init);
      call.status = response.status;
      return response;
    };
  });
  after(async () => {
    window.fetch = realFetch;
    await setOffline(false);
  });
  beforeEach(() => localStorage.clear());

  const mount = async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`);
    const errors: unknown[] = [];
    el.addEventListener("open-chat:error", (event) => errors.push((event as CustomEvent).detail));
    return { el, view: await viewOf(el), errors };
  };

  it("is pending offline, survives a reload offline, and once online is signed in, one chat, sent once, answered", async () => {
    const text = "first words offline [[tokens:6]]";
    await setOffline(true, [api]);
    await until(() => navigator.onLine === false, 5000, "the browser to be offline");

    const first = await mount();
    await type(first.view, text);
    const pending = await until(() => rows(first.view)[0], 5000, "the message on screen");
    expect([pending.role, pending.status, pending.text]).to.deep.equal(["user", "pending", text]);
    await first.view.updateComplete;
    expect($(first.view, "[part=error]")).to.equal(null);
    expect(first.view.shadowRoot!.textContent).to.not.contain("Failed to fetch");
    expect(first.errors).to.deep.equal([]);
    // Stored before any request could go out.
    const stored = JSON.parse(localStorage.getItem(storageKeys(api).outbox)!) as Array<{ text: string }>;
    expect(stored.map((e) => e.text)).to.deep.equal([text]);

    // A reload, still offline: a new element (a new SDK client) on the same storage.
    first.el.remove();
    const second = await mount();
    const again = await until(() => rows(second.view)[0], 5000, "the queued message after the reload");
    expect([again.role, again.status, again.text]).to.deep.equal(["user", "pending", text]);
    expect($(second.view, "[part=error]")).to.equal(null);

    await setOffline(false);
    const answer = await lastAnswer(second.view);
    expect(answer.status).to.equal("completed");
    expect(rows(second.view).map((r) => [r.role, r.status])).to.deep.equal([
      ["user", "completed"],
      ["assistant", "completed"],
    ]);
    await second.view.updateComplete;
    expect($(second.view, "[part=error]")).to.equal(null);
    expect([...first.errors, ...second.errors]).to.deep.equal([]);

    // Signed in (once), one chat made with one key, one message sent with one id.
    expect(calls.filter((c) => c.path === "/v1/auth/sign-in/anonymous" && c.status === 200)).to.have.length(1);
    const creates = calls.filter((c) => c.method === "POST" && c.path === "/v1/chats");
    expect(creates.map((c) => c.status)).to.deep.equal([201]);
    expect(creates[0]!.idempotencyKey).to.be.a("string").and.not.equal("");
    const sends = calls.filter((c) => c.method === "POST" && c.path.endsWith("/messages"));
    expect(sends.map((c) => c.status)).to.deep.equal([202]);
    expect(JSON.parse(sends[0]!.body!).text).to.equal(text);
    const client = createChatClient({ baseUrl: api });
    try {
      const { chats } = await client.listChats();
      expect(chats.map((c) => c.title)).to.deep.equal([text]);
    } finally {
      await client.close();
    }
  });
});
