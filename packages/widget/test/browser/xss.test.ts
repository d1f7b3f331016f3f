import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { loadHighlighter } from "../../src/markdown/highlight.js";
import { loadGfm } from "../../src/markdown/render.js";
import "../../src/view/open-chat-message.js";
import type { OpenChatMessage } from "../../src/view/open-chat-message.js";
import { assistant, lastAnswer, scripted, serverUrl, type, until, viewOf } from "./helpers.js";
import { XSS_CORPUS } from "./xss-corpus.js";

declare global {
  interface Window {
    __pwned?: unknown;
  }
}

const HIT = `${location.origin}/__hit`;
/** Elements that can run code or load something; none may appear in rendered content. */
const DANGEROUS = "img, iframe, frame, object, embed, script, style, link, meta, base, form, svg, math, video, audio, source, template, noscript";
const ALLOWED_TAGS = new Set(["DIV", "A", "P", "BR", "HR", "H1", "H2", "H3", "H4", "H5", "H6", "STRONG", "EM", "DEL", "CODE", "PRE", "BLOCKQUOTE", "UL", "OL", "LI", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD", "INPUT", "SPAN", "SUP", "SECTION", "BUTTON"]);
const ALLOWED_ATTRIBUTES = new Set(["class", "href", "title", "target", "rel", "start", "align", "type", "checked", "disabled", "role", "tabindex", "aria-label", "aria-hidden", "data-fn-go", "data-fn-id", "data-copy-code"]);

async function hits(reset = false): Promise<Record<string, number>> {
  return (await fetch(`/__hits${reset ? "?reset" : ""}`)).json();
}

const CONTROL = "/__hit/control-";
/** Requests to the counter the page made, the barrier's own controls left out. */
const resourceRequests = () =>
  performance.getEntriesByType("resource").filter((entry) => entry.name.includes("/__hit/") && !entry.name.includes(CONTROL));

let controls = 0;
const nextTask = () => new Promise<void>((resolve) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(null);
});

/**
 * A barrier instead of a sleep: `el` has rendered, then an image from the same loopback
 * counter — the kind of load a payload would start, started after anything the payload could
 * have started — has loaded and been counted, and the events queued by then have run. Returns
 * what else the counter saw (and resets it) and the page's own record of such requests.
 */
async function settle(el?: { updateComplete: Promise<unknown> }): Promise<{ hits: Record<string, number>; resources: string[] }> {
  await el?.updateComplete;
  const path = `${CONTROL}${++controls}.gif`;
  const image = new Image();
  image.src = `${location.origin}${path}`;
  await image.decode();
  await nextTask();
  const seen = await hits(true);
  expect(seen[path], `the barrier's control ${path}`).to.equal(1);
  delete seen[path];
  return { hits: seen, resources: resourceRequests().map((entry) => entry.name) };
}

/** Problems of a rendered markdown container, if any. */
function audit(container: Element): string[] {
  const problems: string[] = [];
  for (const element of container.querySelectorAll("*")) {
    if (!ALLOWED_TAGS.has(element.tagName)) problems.push(`element <${element.tagName.toLowerCase()}>`);
    for (const attribute of element.attributes) {
      if (!ALLOWED_ATTRIBUTES.has(attribute.name)) problems.push(`attribute ${attribute.name} on <${element.tagName.toLowerCase()}>`);
    }
    const href = element.getAttribute("href");
    if (href !== null && !/^(https?|mailto):/.test(new URL(href, document.baseURI).protocol)) problems.push(`href ${href}`);
  }
  return problems;
}

describe(`XSS corpus (${XSS_CORPUS.length} payloads)`, () => {
  before(async () => {
    await loadHighlighter(); // exercise the highlighted code path too
    await loadGfm(); // and GFM (tables, footnotes), a lazy chunk
    await hits(true);
    performance.setResourceTimingBufferSize(1000); // room for every payload's and control's entry
    performance.clearResourceTimings();
  });

  it("has at least 50 payloads", () => {
    expect(XSS_CORPUS.length).to.be.at.least(50);
  });

  for (const payload of XSS_CORPUS) {
    it(`renders "${payload.name}" inertly`, async () => {
      const el = await fixture<OpenChatMessage>(html`<open-chat-message .message=${assistant(payload.markdown(HIT))}></open-chat-message>`);
      // Everything the payload could have set off (a load, an error or load handler) has run.
      expect(await settle(el)).to.deep.equal({ hits: {}, resources: [] });
      expect(window.__pwned, "window.__pwned").to.equal(undefined);
      const content = el.querySelector(".md")!;
      expect(audit(content)).to.deep.equal([]);
      expect(content.querySelectorAll(DANGEROUS).length).to.equal(0);
    });
  }

  it("made no request: the loopback counter and resource timing saw nothing", async () => {
    expect(await settle()).to.deep.equal({ hits: {}, resources: [] });
    expect(resourceRequests().map((e) => e.name)).to.deep.equal([]);
  });

  it("the counter works: an image the site owner allows does load (positive control)", async () => {
    const el = await fixture<OpenChatMessage>(html`<open-chat-message allow-images .message=${assistant(`![ok](${HIT}/allowed.gif)`)}></open-chat-message>`);
    const image = el.querySelector("img")!;
    expect(image.getAttribute("referrerpolicy")).to.equal("no-referrer");
    await until(() => image.complete && image.naturalWidth === 1, 5000, "the allowed image");
    expect((await hits(true))["/__hit/allowed.gif"]).to.equal(1);
    performance.clearResourceTimings();
  });

  it("the whole corpus streamed as one answer through the real server renders inertly", async () => {
    localStorage.clear();
    const api = await serverUrl();
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`);
    const view = await viewOf(el);
    const corpus = XSS_CORPUS.map((payload) => payload.markdown(HIT)).join("\n\n---\n\n");
    await type(view, `${scripted(corpus)} [[delay:1]]`);
    const answer = await lastAnswer(view, 30_000);
    expect(answer.status).to.equal("completed");
    expect(answer.text).to.equal(corpus);
    // The user's own message (with the raw HTML of the echo) is plain text.
    await type(view, '<img src=x onerror="window.__pwned=99"> [click](javascript:window.__pwned=100)');
    await lastAnswer(view);
    const settled = await settle(view);
    expect(window.__pwned).to.equal(undefined);
    for (const md of view.shadowRoot!.querySelectorAll(".md")) expect(audit(md)).to.deep.equal([]);
    for (const content of view.shadowRoot!.querySelectorAll(".content")) expect(content.querySelectorAll(DANGEROUS).length).to.equal(0);
    expect(settled).to.deep.equal({ hits: {}, resources: [] });
    expect(resourceRequests()).to.have.length(0);
  });
});
