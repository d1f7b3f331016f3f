/**
 * GFM on demand, tables in a 400 px panel and footnotes inside the shadow root. The first test
 * must stay first: it watches the GFM chunk load (each test file gets a fresh page).
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { loadGfm } from "../../src/markdown/render.js";
import "../../src/view/open-chat-message.js";
import type { OpenChatMessage } from "../../src/view/open-chat-message.js";
import { realClick, sendKeys } from "./commands.js";
import { assistant, lastAnswer, scripted, serverUrl, type, until, viewOf } from "./helpers.js";

const gfmRequests = () => performance.getEntriesByType("resource").filter((entry) => /\/markdown\/gfm\.(ts|js)/.test(entry.name));
const TABLE = "| Item | Weight | Notes |\n|---|---:|---|\n| Backpack | 1200 g | Waterproof, with a rain cover included |\n| Tent | 2100 g | Two-person, freestanding, three-season |";

/** Seven columns of unbreakable words: wider than the panel however the cells wrap. */
const WIDE = [
  "| Item | Weight | Volume | Price | Supplier | Warranty | Rating |",
  "|---|---:|---:|---:|---|---|---|",
  "| Backpack | 1200 g | 45 litres | 149 EUR | Mountainware | Lifetime | Excellent |",
  "| Tent | 2100 g | 12 litres | 329 EUR | Shelterworks | Two years | Good |",
].join("\n");

describe("tables and footnotes", () => {
  it("renders CommonMark at once, loads the GFM chunk only for a text that may use GFM, then re-renders", async () => {
    const plain = await fixture<OpenChatMessage>(html`<open-chat-message .message=${assistant("Just **bold** and a [link](/x) list:\n\n1. one")}></open-chat-message>`);
    expect(plain.querySelector("strong")!.textContent).to.equal("bold");
    expect(gfmRequests()).to.have.length(0);

    const el = await fixture<OpenChatMessage>(html`<open-chat-message .message=${assistant(TABLE)}></open-chat-message>`);
    expect(el.querySelector("table")).to.equal(null); // CommonMark first: the pipes are text
    expect(el.querySelector(".md")!.textContent).to.contain("| Item |");
    await until(() => el.querySelector("table"), 10_000, "the table after the GFM chunk loaded");
    expect(gfmRequests()).to.have.length(1);
  });

  it("a wide table scrolls sideways in a focusable named region of a 400 px panel, words unbroken (real server)", async () => {
    localStorage.clear();
    const wrapper = await fixture<HTMLElement>(html`<div style="width: 400px; height: 600px"><open-chat api=${await serverUrl()} mode="inline"></open-chat></div>`);
    const el = wrapper.querySelector<OpenChatElement>("open-chat")!;
    const view = await viewOf(el);
    await type(view, scripted(WIDE));
    const answer = await lastAnswer(view);
    const region = await until(() => answer.element.querySelector<HTMLElement>(".table-scroll"), 10_000, "the table region");
    expect(region.getAttribute("role")).to.equal("region");
    expect(region.getAttribute("aria-label")).to.equal("Table: Item, Weight, Volume, Price, Supplier, Warranty, Rating");
    expect(region.tabIndex).to.equal(0);

    const panel = el.getBoundingClientRect();
    const box = region.getBoundingClientRect();
    expect(panel.width).to.be.at.most(400);
    expect(box.left).to.be.at.least(panel.left);
    expect(box.right).to.be.at.most(panel.right);
    expect(region.scrollWidth).to.be.greaterThan(region.clientWidth); // it overflows: it scrolls, the panel does not
    // No word is broken across lines ("Weig/ht"): each word of each cell is one box.
    for (const cell of region.querySelectorAll("th, td")) {
      const node = cell.firstChild as Text;
      for (const word of node.data.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        expect(range.getClientRects().length, word[0]).to.equal(1);
      }
    }

    // Keyboard users: Tab reaches the region, an arrow key scrolls it.
    region.focus();
    expect(view.shadowRoot!.activeElement).to.equal(region);
    await sendKeys({ press: "ArrowRight" });
    await until(() => region.scrollLeft > 0, 5000, "the region to scroll");
    await expect(el).to.be.accessible();
  });

  it("footnote references and back-links scroll within the message, never touching the page's URL", async () => {
    await loadGfm();
    const text = "Carry water[^water] and salt[^1].\n\nMore water[^water].\n\n[^water]: Two litres a day.\n[^1]: A pinch.";
    const url = location.href;
    const entries = history.length;
    const el = await fixture<OpenChatMessage>(html`<open-chat-message .message=${assistant(text)}></open-chat-message>`);
    const refs = [...el.querySelectorAll<HTMLButtonElement>("button.fn-ref")];
    expect(refs.map((b) => [b.textContent, b.getAttribute("aria-label")])).to.deep.equal([
      ["1", "Footnote 1"],
      ["2", "Footnote 2"],
      ["1", "Footnote 1"],
    ]);
    expect(el.querySelector("[id]")).to.equal(null); // no ids to clash between messages
    expect(el.querySelector("a[href^='#']")).to.equal(null);
    expect(el.querySelector(".fn-title")!.textContent).to.equal("Footnotes");

    await realClick(refs[2]!);
    const note = el.querySelector<HTMLLIElement>("li[data-fn-id='fn-water']")!;
    expect(document.activeElement).to.equal(note);
    const backs = [...note.querySelectorAll<HTMLButtonElement>("button.fn-back")];
    expect(backs.map((b) => b.querySelector(".sr-only")!.textContent)).to.deep.equal(["Back to reference 1", "Back to reference 1"]);
    await realClick(backs[1]!);
    expect(document.activeElement).to.equal(refs[2]);
    expect(location.href).to.equal(url);
    expect(history.length).to.equal(entries);
    await expect(el).to.be.accessible();
  });
});
