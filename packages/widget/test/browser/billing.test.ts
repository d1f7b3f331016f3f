/**
 * Credits in the widget against real servers: one with billing on (a site whose end users have
 * their own accounts, no guest budget, top-ups through a local Stripe stand-in; see
 * web-test-runner.config.mjs) and the default one with billing off. Out of credits: the send is
 * refused with 402, the text stays in the composer, the notice explains and offers top-ups;
 * "+ $5" opens Checkout in a new tab; a grant shows in the balance when the user comes back and
 * the next send is answered. Billing off: no balance, and the billing chunk is never loaded.
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import type { OpenChatView } from "../../src/view/open-chat-view.js";
import { $, $$, lastAnswer, rows, serverUrl, type, until } from "./helpers.js";

interface BillingSite {
  api: string;
  publishableKey: string;
  checkouts: number[];
}

async function billingSite(): Promise<BillingSite> {
  return (await fetch("/__open-chat/billing.json", { cache: "no-store" })).json() as Promise<BillingSite>;
}

async function viewIn(el: OpenChatElement): Promise<OpenChatView> {
  const view = await until(() => el.shadowRoot!.querySelector("open-chat-view"), 10_000, "the view to mount");
  await view.updateComplete;
  return view;
}

const text = (view: OpenChatView, selector: string) => $(view, selector)?.textContent?.trim() ?? null;
const billingChunkLoaded = () => performance.getEntriesByType("resource").some((entry) => /\/view\/billing\.(ts|js)/.test(entry.name));

// Billing off first: no test before it has loaded the billing chunk into this page.
describe("<open-chat> credits (billing off)", () => {
  beforeEach(() => localStorage.clear());

  it("shows no balance, never loads the billing chunk, and asks once", async () => {
    const api = await serverUrl();
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`);
    const view = await viewIn(el);
    const probes: Array<Promise<Response>> = [];
    const original = window.fetch;
    window.fetch = (input, init) => {
      const response = original(input, init);
      if (new URL(String(input), location.href).pathname === "/v1/billing") probes.push(response.then((r) => r.clone()));
      return response;
    };
    try {
      await type(view, "no billing here");
      await lastAnswer(view);
      await until(() => probes.length > 0, 5000, "the billing probe after the answer");
      expect(await (await probes[0]!).json()).to.deep.include({ enabled: false, account: null });
      await until(() => (view as unknown as { _billing?: unknown })._billing === null, 5000, "the answer taken");
      await type(view, "still no billing");
      await lastAnswer(view);
      await until(() => rows(view).length === 4 && rows(view)[3]!.status === "completed", 10_000, "the second answer");
      expect(probes).to.have.length(1); // no again: not asked again
    } finally {
      window.fetch = original;
    }
    expect($(view, "[part=balance]")).to.equal(null);
    expect($(view, "[part=add-credits-button]")).to.equal(null);
    expect(billingChunkLoaded()).to.equal(false);
    expect((view as unknown as { _billing?: unknown })._billing).to.equal(null);
  });
});

describe("<open-chat> credits (billing on)", () => {
  let site: BillingSite;
  let opened: Array<{ opener: unknown; location: { href: string }; closed: boolean; close(): void }>;
  const originalOpen = window.open;

  before(async () => {
    site = await billingSite();
  });
  beforeEach(() => {
    localStorage.clear();
    opened = [];
    // Checkout opens in a new tab: record it instead.
    window.open = (() => {
      const tab = { opener: window as unknown, location: { href: "about:blank" }, closed: false, close: () => void (tab.closed = true) };
      opened.push(tab);
      return tab as unknown as Window;
    }) as typeof window.open;
  });
  afterEach(() => {
    window.open = originalOpen;
  });

  it("out of credits: the send is refused, the text stays in the composer, the notice offers top-ups; Checkout opens in a new tab; credit arrives; the next send is answered", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${site.api} publishable-key=${site.publishableKey} mode="inline"></open-chat>`);
    const view = await viewIn(el);
    const errors: string[] = [];
    el.addEventListener("open-chat:error", (event) => errors.push(event.detail.code ?? ""));

    await type(view, "Hello with no credits");
    const notice = await until(() => $(view, "[part=out-of-credits]"), 10_000, "the out-of-credits notice");
    expect(notice.textContent).to.match(/out of credits/i);
    expect(errors).to.include("insufficient_credits");
    await until(() => $<HTMLTextAreaElement>(view, "#input")!.value === "Hello with no credits", 5000, "the text back in the composer");
    expect(rows(view).filter((row) => row.status === "failed")).to.have.length(0); // the notice replaces the failed row
    expect($(view, "[part=error]")).to.equal(null); // … and the banner
    await until(() => text(view, "[part=balance]") === "$0.00", 5000, "the balance in the header");
    expect($(view, "[part=balance]")!.classList.contains("out")).to.equal(true);
    expect($(view, "[part=add-credits-button]")).to.not.equal(null);
    const amounts = $$(view, "[part=top-up-button]").map((button) => button.textContent!.trim());
    expect(amounts).to.deep.equal(["+ $5", "+ $10"]);

    // "+ $5" → a Checkout session for 500 cents, opened in the tab opened by the click.
    const before = (await billingSite()).checkouts.length;
    $(view, "[part=top-up-button]")!.click();
    await until(() => opened[0]?.location.href.startsWith("https://checkout.stripe.test/"), 10_000, "Checkout in the new tab");
    expect(opened).to.have.length(1);
    expect(opened[0]!.opener).to.equal(null);
    expect((await billingSite()).checkouts.slice(before)).to.deep.equal([500]);
    await until(() => /Checkout opened/.test(text(view, "[part=credits-note]") ?? ""), 5000, "the note");

    // The payment is confirmed (here: granted) and the user comes back to the page.
    const granted = (await (await fetch("/__open-chat/billing/grant?microUsd=1000000", { cache: "no-store" })).json()) as { users: number };
    expect(granted.users).to.be.greaterThan(0);
    window.dispatchEvent(new Event("focus"));
    await until(() => text(view, "[part=balance]") === "$1.00", 10_000, "the new balance");
    await until(() => !$(view, "[part=out-of-credits]"), 5000, "the notice to go");
    expect($(view, "[part=balance]")!.classList.contains("out")).to.equal(false);

    // The text is still in the composer: send it.
    const input = $<HTMLTextAreaElement>(view, "#input")!;
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, composed: true, cancelable: true }));
    const answer = await lastAnswer(view);
    expect(answer.status).to.equal("completed");
    expect(rows(view).map((row) => row.text)[0]).to.equal("Hello with no credits");
    // The answer was paid for: the balance went down (a fraction of a cent: 4 decimals, cut).
    await until(() => {
      const shown = text(view, "[part=balance]");
      return shown !== null && /^\$0\.99\d\d$/.test(shown);
    }, 10_000, "the balance after the answer").catch((error: Error) => {
      throw new Error(`${error.message}: shows ${text(view, "[part=balance]")}`);
    });
    const account = (await view.chat.client!.billing()).account!;
    expect(account.availableMicroUsd).to.be.lessThan(1_000_000);
    expect(account.availableMicroUsd).to.equal(account.balanceMicroUsd); // nothing stays reserved
  });

  it("Add credits in the header shows the amounts while there is credit", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${site.api} publishable-key=${site.publishableKey} mode="inline"></open-chat>`);
    const view = await viewIn(el);
    await type(view, "first");
    await until(() => $(view, "[part=out-of-credits]"), 10_000, "out of credits");
    await fetch("/__open-chat/billing/grant?microUsd=2000000", { cache: "no-store" });
    window.dispatchEvent(new Event("focus"));
    await until(() => !$(view, "[part=credits]"), 10_000, "no notice once there is credit");
    const add = $(view, "[part=add-credits-button]")!;
    expect(add.getAttribute("aria-expanded")).to.equal("false");
    add.click();
    await view.updateComplete;
    expect(add.getAttribute("aria-expanded")).to.equal("true");
    expect($$(view, "[part=top-up-button]")).to.have.length(2);
    expect($(view, "[part=out-of-credits]")).to.equal(null);
  });
});

describe("Checkout address", () => {
  it("is followed only when it is a web address (the blank tab shares the page's origin)", async () => {
    const { webAddress } = await import("../../src/view/billing.js");
    expect(webAddress("https://checkout.stripe.com/c/pay/cs_test_1")).to.equal("https://checkout.stripe.com/c/pay/cs_test_1");
    expect(webAddress("http://127.0.0.1:12111/pay")).to.equal("http://127.0.0.1:12111/pay");
    for (const bad of ["javascript:alert(document.cookie)", "JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x", "not a url"]) {
      expect(() => webAddress(bad), bad).to.throw();
    }
  });
});
