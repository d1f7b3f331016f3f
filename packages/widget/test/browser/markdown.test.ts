import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { splitBlocks } from "../../src/markdown/blocks.js";
import { languageOf, loadHighlighter } from "../../src/markdown/highlight.js";
import { addCodeBars } from "../../src/markdown/code-blocks.js";
import { loadGfm, MarkdownBlocks, renderMarkdown } from "../../src/markdown/render.js";
import "../../src/view/open-chat-message.js";
import type { OpenChatMessage } from "../../src/view/open-chat-message.js";
import { assistant, lastAnswer, scripted, serverUrl, type, until, viewOf } from "./helpers.js";

const render = async (text: string, allowImages = false) => {
  const el = await fixture<OpenChatMessage>(html`<open-chat-message .message=${assistant(text)} ?allow-images=${allowImages}></open-chat-message>`);
  return el.querySelector<HTMLElement>(".md")!;
};

describe("markdown", () => {
  before(() => loadGfm()); // GFM is a lazy chunk (tables.test.ts covers the CommonMark-first render)

  it("renders headings, lists, tables, quotes, task lists and inline formatting", async () => {
    const md = await render(
      [
        "# Title",
        "## Sub",
        "Some **bold**, *em*, ~~gone~~ and `code`.",
        "- one\n- two\n  1. nested\n  2. list",
        "| left | center | right |\n|:-----|:------:|------:|\n| a | b | c |",
        "> quoted",
        "- [x] done\n- [ ] todo",
      ].join("\n\n"),
    );
    expect(md.querySelector("h1")!.textContent).to.equal("Title");
    expect(md.querySelector("h2")!.textContent).to.equal("Sub");
    expect(md.querySelector("strong")!.textContent).to.equal("bold");
    expect(md.querySelector("em")!.textContent).to.equal("em");
    expect(md.querySelector("del")!.textContent).to.equal("gone");
    expect(md.querySelector("p code")!.textContent).to.equal("code");
    expect(md.querySelectorAll("ul > li")).to.have.length(4);
    expect(md.querySelectorAll("ul ol > li")).to.have.length(2);
    expect([...md.querySelectorAll("th")].map((th) => th.getAttribute("align"))).to.deep.equal(["left", "center", "right"]);
    expect(md.querySelector("blockquote")!.textContent!.trim()).to.equal("quoted");
    const boxes = [...md.querySelectorAll<HTMLInputElement>("input[type=checkbox]")];
    expect(boxes.map((b) => [b.checked, b.disabled])).to.deep.equal([
      [true, true],
      [false, true],
    ]);
  });

  it("highlights fenced code once highlight.js (a lazy chunk) has loaded", async () => {
    await loadHighlighter();
    const md = await render("```ts\nconst answer: number = 42; // yes\n```\n\n```\nplain <b>text</b>\n```");
    const [ts, plain] = [...md.querySelectorAll("pre > code")];
    expect(ts!.classList.contains("hljs")).to.equal(true);
    expect(ts!.querySelector(".hljs-keyword")!.textContent).to.equal("const");
    expect(ts!.querySelector(".hljs-comment")!.textContent).to.equal("// yes");
    expect(ts!.textContent).to.equal("const answer: number = 42; // yes\n");
    expect(plain!.children).to.have.length(0);
    expect(plain!.textContent).to.equal("plain <b>text</b>\n");
  });

  it("highlights the languages it knows by any of their highlight.js names, in any case; others stay plain", async () => {
    const code = (className: string) => Object.assign(document.createElement("code"), { className });
    const names = ["language-js", "language-TSX", "language-c++", "x language-yml y", "language-console", "language-mts"].map((c) => languageOf(code(c)));
    expect(names).to.deep.equal(["js", "TSX", "c++", "yml", "console", "mts"]);
    for (const other of ["language-c#", "language-js.foo", "language-ruby", "languagejs", "language-", ""]) expect(languageOf(code(other)), other).to.equal(null);
    await loadHighlighter();
    const md = await render("```C++\nint main() { return 0; }\n```\n\n```yml\nkey: value\n```");
    const [cpp, yml] = [...md.querySelectorAll("pre > code")];
    expect(cpp!.querySelector(".hljs-keyword, .hljs-type")).to.not.equal(null);
    expect(yml!.querySelector(".hljs-attr")!.textContent).to.match(/^key/);
  });

  it("opens links in a new tab without opener or referrer, and keeps only safe protocols", async () => {
    const md = await render("[docs](https://example.com/docs) [mail](mailto:a@example.com) [rel](/path) www.example.org [bad](javascript:alert(1)) [frag](#top)");
    const links = [...md.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).to.deep.equal([
      "https://example.com/docs",
      "mailto:a@example.com",
      new URL("/path", document.baseURI).href,
      "http://www.example.org/",
    ]);
    for (const link of links) {
      expect(link.target).to.equal("_blank");
      expect(link.rel).to.equal("noopener noreferrer");
    }
    expect(md.textContent).to.contain("bad");
    expect(md.textContent).to.contain("frag");
  });

  it("renders images as links unless allow-images is set", async () => {
    const blocked = await render('![a cat](https://example.com/cat.png "Cat")');
    expect(blocked.querySelector("img")).to.equal(null);
    const link = blocked.querySelector<HTMLAnchorElement>("a.image-link")!;
    expect(link.href).to.equal("https://example.com/cat.png");
    expect(link.textContent).to.equal("Image: a cat");
    expect(link.rel).to.equal("noopener noreferrer");

    const allowed = await render("![a cat](data:image/png;base64,AAAA) ![ok](about:blank)", true);
    expect(allowed.querySelector("img")).to.equal(null); // never data: or other schemes

    const shown = await render(`![ok](${location.origin}/__hit/markdown-allowed.gif)`, true);
    const image = shown.querySelector("img")!;
    expect(image.getAttribute("src")).to.equal(`${location.origin}/__hit/markdown-allowed.gif`);
    expect(image.getAttribute("referrerpolicy")).to.equal("no-referrer");
    expect(image.getAttribute("loading")).to.equal("lazy");
    expect(image.alt).to.equal("ok");
  });

  it("escapes raw HTML instead of rendering it", async () => {
    const md = await render('<b>bold?</b> <span style="color:red">x</span>');
    expect(md.querySelector("b")).to.equal(null);
    expect(md.querySelector("span")).to.equal(null);
    expect(md.textContent).to.contain("<b>bold?</b>");
  });

  it("reads a line that starts with a tag as a paragraph: its markdown renders, and a blank line still ends it", async () => {
    const md = await render("<div>\n**bold** text\n</div>\n\n<pre>\n\n*after*");
    expect(md.querySelector("div:not(.md-block), pre")).to.equal(null);
    expect(md.querySelector("strong")!.textContent).to.equal("bold");
    expect(md.querySelector("em")!.textContent).to.equal("after"); // no HTML block reaches past the blank line
    expect(md.textContent).to.contain("<div>").and.contain("</div>").and.contain("<pre>");
  });

  it("splits into blocks that keep fences, lists and indented continuations together", () => {
    expect(splitBlocks("a\n\nb")).to.deep.equal(["a", "b"]);
    expect(splitBlocks("```\ncode\n\nmore\n```\n\nafter")).to.deep.equal(["```\ncode\n\nmore\n```", "after"]);
    expect(splitBlocks("- a\n\n- b\n\n  continued\n\npara")).to.deep.equal(["- a\n\n- b\n\n  continued", "para"]);
    expect(splitBlocks("see [x]\n\n[x]: https://example.com")).to.have.length(1);
    expect(splitBlocks("```js\nunterminated\n\nstill code")).to.have.length(1);
  });

  it("renders blocks like the whole document and reuses unchanged blocks", () => {
    const text = "# T\n\npara *one*\n\n- a\n\n- b\n\n```\nx\n\ny\n```\n\n| a |\n|---|\n| 1 |";
    const blocks = new MarkdownBlocks();
    const whole = renderMarkdown(text).fragment;
    addCodeBars(whole, "Copy code"); // what MarkdownBlocks adds to code blocks
    const wrapper = document.createElement("div");
    wrapper.append(whole);
    const pieces = document.createElement("div");
    pieces.append(...blocks.render(text).map((b) => b.cloneNode(true)));
    const normalize = (html: string) => html.replace(/\s+/g, "");
    expect(normalize([...pieces.children].map((c) => c.innerHTML).join(""))).to.equal(normalize(wrapper.innerHTML));

    const first = blocks.render("Hello\n\nwor")[0];
    const next = blocks.render("Hello\n\nworld, more");
    expect(next[0]).to.equal(first);
    expect(next[1]!.textContent).to.equal("world, more");
  });

  it("renders a scripted markdown answer from the real server in the transcript", async () => {
    localStorage.clear();
    const api = await serverUrl();
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`);
    const view = await viewOf(el);
    await type(view, scripted("## Plan\n\n| step | done |\n|---|:---:|\n| one | yes |\n\n```js\nlet x = 1;\n```\n\n![chart](https://example.com/c.png)"));
    const answer = await lastAnswer(view);
    const md = answer.element.querySelector(".md")!;
    expect(md.querySelector("h2")!.textContent).to.equal("Plan");
    expect(md.querySelectorAll("td")).to.have.length(2);
    expect(md.querySelector("img")).to.equal(null);
    await until(() => md.querySelector("code.hljs .hljs-keyword"), 5000, "highlighting");
    await expect(el).to.be.accessible();
  });
});
