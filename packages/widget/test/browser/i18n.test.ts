/**
 * Locales in real Chromium: per shipped locale, the visible strings of an open panel against that
 * locale's table; right-to-left layout for Arabic and Hebrew; fallbacks (de-AT → de, xx → en);
 * `lang` and the page's `<html lang>`; `strings` over a locale.
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import { DEFAULT_STRINGS, type OpenChatStrings } from "../../src/common/strings.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import type { OpenChatView } from "../../src/view/open-chat-view.js";
import ar from "../../src/locales/ar.js";
import de from "../../src/locales/de.js";
import es from "../../src/locales/es.js";
import fr from "../../src/locales/fr.js";
import he from "../../src/locales/he.js";
import ja from "../../src/locales/ja.js";
import { $, serverUrl, until, viewOf } from "./helpers.js";

const TABLES: Record<string, OpenChatStrings> = { en: DEFAULT_STRINGS, de, fr, es, ja, ar, he };

const shell = (el: OpenChatElement) => ({
  launcher: el.shadowRoot!.querySelector<HTMLButtonElement>("[part=launcher]")!,
  panel: el.shadowRoot!.querySelector<HTMLElement>("[part=panel]")!,
});

/** What a reader of the open panel sees and hears, keyed by string key. */
function visibleStrings(el: OpenChatElement, view: OpenChatView) {
  const label = (selector: string) => $(view, selector)?.getAttribute("aria-label");
  return {
    closeChat: shell(el).launcher.getAttribute("aria-label"),
    title: $(view, "[part=title]")?.textContent,
    dialog: shell(el).panel.getAttribute("aria-label"),
    showChats: label("[part=toggle-list-button]"),
    newChat: label("[part=new-chat-button]"),
    closeButton: label("[part=close-button]"),
    transcript: label("[part=transcript]"),
    message: $(view, "label[for=input]")?.textContent,
    placeholder: $<HTMLTextAreaElement>(view, "[part=input]")?.placeholder,
    send: label("[part=send-button]"),
  };
}

/** The same keys, from a table. */
function expectedStrings(s: OpenChatStrings) {
  return {
    closeChat: s.closeChat,
    title: s.title,
    dialog: s.title,
    showChats: s.showChats,
    newChat: s.newChat,
    closeButton: s.closeChat,
    transcript: s.transcript,
    message: s.message,
    placeholder: s.placeholder,
    send: s.send,
  };
}

/** Resolves once the launcher's name is `text`: the locale's table (a chunk of its own) has arrived. */
const labelled = (el: OpenChatElement, text: string) =>
  until(() => shell(el).launcher.getAttribute("aria-label") === text, 10_000, `the launcher to be labelled "${text}" (got "${shell(el).launcher.getAttribute("aria-label")}")`);

/** Opens the panel and waits until the view shows `table`'s strings. */
async function openIn(el: OpenChatElement, table: OpenChatStrings): Promise<OpenChatView> {
  el.open();
  const view = await viewOf(el);
  await until(() => $(view, "[part=send-button]")?.getAttribute("aria-label") === table.send, 10_000, "the view in the locale");
  return view;
}

describe("<open-chat> locales", () => {
  let api: string;
  before(async () => {
    api = await serverUrl();
  });
  beforeEach(() => localStorage.clear());

  for (const [locale, table] of Object.entries(TABLES)) {
    it(`shows every visible string of the panel in ${locale}`, async () => {
      const el = await fixture<OpenChatElement>(html`<open-chat api=${api} locale=${locale}></open-chat>`);
      await labelled(el, table.openChat);
      const view = await openIn(el, table);
      expect(visibleStrings(el, view)).to.deep.equal(expectedStrings(table));
      expect(shell(el).panel.lang).to.equal(locale);
      expect(shell(el).panel.dir).to.equal(locale === "ar" || locale === "he" ? "rtl" : "ltr");
    });
  }

  for (const locale of ["ar", "he"]) {
    it(`lays the ${locale} panel out right to left: the send button left of the input`, async () => {
      const el = await fixture<OpenChatElement>(html`<open-chat api=${api} locale=${locale} mode="inline"></open-chat>`);
      const view = await openIn(el, TABLES[locale]!);
      const input = $(view, "[part=input]")!.getBoundingClientRect();
      const send = $(view, "[part=send-button]")!.getBoundingClientRect();
      expect(getComputedStyle($(view, "[part=composer]")!).direction).to.equal("rtl");
      expect(send.right).to.be.at.most(input.left);
      const title = $(view, "[part=title]")!.getBoundingClientRect();
      const newChat = $(view, "[part=new-chat-button]")!.getBoundingClientRect();
      expect(newChat.right).to.be.at.most(title.left); // the header runs right to left too
    });
  }

  it("keeps the send button right of the input in a left-to-right locale", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} locale="de" mode="inline"></open-chat>`);
    const view = await openIn(el, de);
    expect(shell(el).panel.dir).to.equal("ltr");
    expect($(view, "[part=send-button]")!.getBoundingClientRect().left).to.be.at.least($(view, "[part=input]")!.getBoundingClientRect().right);
  });

  it("keeps an Arabic panel in the page's corner (right on a left-to-right page), left on a right-to-left page", async () => {
    const ltr = await fixture<OpenChatElement>(html`<open-chat api=${api} locale="ar"></open-chat>`);
    await openIn(ltr, ar);
    expect(shell(ltr).panel.getBoundingClientRect().right).to.be.greaterThan(innerWidth / 2);
    expect(shell(ltr).launcher.getBoundingClientRect().left).to.be.greaterThan(innerWidth / 2);
    const page = await fixture<HTMLElement>(html`<div dir="rtl"><open-chat api=${api} locale="ar"></open-chat></div>`);
    const rtl = page.querySelector("open-chat")!;
    await openIn(rtl, ar);
    expect(shell(rtl).launcher.getBoundingClientRect().right).to.be.lessThan(innerWidth / 2);
    expect(shell(rtl).panel.getBoundingClientRect().left).to.be.lessThan(innerWidth / 2);
  });

  it("falls back from a region to its language (de-AT → de) and from an unknown locale to English", async () => {
    const austrian = await fixture<OpenChatElement>(html`<open-chat api=${api} locale="de-AT"></open-chat>`);
    expect(visibleStrings(austrian, await openIn(austrian, de))).to.deep.equal(expectedStrings(de));
    expect(shell(austrian).panel.lang).to.equal("de-AT");
    const unknown = await fixture<OpenChatElement>(html`<open-chat api=${api} locale="xx"></open-chat>`);
    expect(visibleStrings(unknown, await openIn(unknown, DEFAULT_STRINGS))).to.deep.equal(expectedStrings(DEFAULT_STRINGS));
    expect(shell(unknown).panel.dir).to.equal("ltr");
  });

  it("takes the locale from the element's lang, else the page's <html lang>", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} lang="fr"></open-chat>`);
    expect(visibleStrings(el, await openIn(el, fr))).to.deep.equal(expectedStrings(fr));
    const before = document.documentElement.getAttribute("lang");
    document.documentElement.lang = "es-MX";
    try {
      const page = await fixture<OpenChatElement>(html`<open-chat api=${api}></open-chat>`);
      expect(visibleStrings(page, await openIn(page, es))).to.deep.equal(expectedStrings(es));
    } finally {
      if (before === null) document.documentElement.removeAttribute("lang");
      else document.documentElement.lang = before;
    }
  });

  it("switches locale at run time, and `strings` overrides single keys on top of the locale", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} locale="de"></open-chat>`);
    const view = await openIn(el, de);
    el.strings = { send: "Los", status: { live: "Verbunden" } as OpenChatStrings["status"] };
    await until(() => $(view, "[part=send-button]")?.getAttribute("aria-label") === "Los", 5000, "the override");
    expect($<HTMLTextAreaElement>(view, "[part=input]")!.placeholder).to.equal(de.placeholder);
    el.locale = "ja";
    await labelled(el, ja.closeChat);
    await until(() => $<HTMLTextAreaElement>(view, "[part=input]")?.placeholder === ja.placeholder, 5000, "Japanese");
    expect($(view, "[part=send-button]")!.getAttribute("aria-label")).to.equal("Los");
    expect($(view, "[part=title]")!.textContent).to.equal(ja.title);
    el.locale = "ar";
    await labelled(el, ar.closeChat);
    expect(shell(el).panel.dir).to.equal("rtl");
  });
});
