/** Code blocks in a message: the fence's language and a Copy button that copies the code's text. */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import { loadHighlighter } from "../../src/markdown/highlight.js";
import { renderMarkdown } from "../../src/markdown/render.js";
import "../../src/view/open-chat-message.js";
import type { OpenChatMessage } from "../../src/view/open-chat-message.js";
import { realClick } from "./commands.js";
import { assistant, until } from "./helpers.js";

describe("code blocks", () => {
  it("show their language and copy exactly the code's text", async () => {
    await loadHighlighter();
    const code = 'const greeting: string = "<hi>";\nconsole.log(greeting);\n';
    const el = await fixture<OpenChatMessage>(html`<open-chat-message .message=${assistant(`Try:\n\n\`\`\`ts\n${code}\`\`\`\n\n\`\`\`\nplain\n\`\`\``)}></open-chat-message>`);
    const [ts, plain] = [...el.querySelectorAll(".code-block")];
    expect(ts!.querySelector(".code-lang")!.textContent).to.equal("ts");
    expect(ts!.querySelector("code.hljs")).to.not.equal(null);
    expect(plain!.querySelector(".code-lang")).to.equal(null);
    const copy = ts!.querySelector<HTMLButtonElement>("button.code-copy")!;
    expect(copy.textContent).to.equal("Copy code");

    const written: string[] = [];
    const original = navigator.clipboard.writeText;
    navigator.clipboard.writeText = (text: string) => {
      written.push(text);
      return original.call(navigator.clipboard, text);
    };
    try {
      await realClick(copy); // clipboard writes need user activation
      await until(() => copy.textContent === "Copied", 3000, "the copied state");
    } finally {
      navigator.clipboard.writeText = original;
    }
    expect(written).to.deep.equal([code]);
    await expect(el).to.be.accessible();
  });

  it("renderMarkdown (the public renderer) adds no bar: its text is the markdown's", () => {
    expect(renderMarkdown("```js\nx\n```").fragment.textContent).to.equal("x\n");
  });
});
