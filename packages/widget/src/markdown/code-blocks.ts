/**
 * The bar above a fenced code block in a message: the fence's language and a Copy button. The
 * button copies the code's text; the message handles the click (`data-copy-code`).
 */

/** The language a fence's info string names (any name the sanitizer kept), e.g. "ts". */
const LANGUAGE = /(?:^|\s)language-([\w+#.-]{1,40})/;

/** Puts each `pre` under `root` in a `.code-block` with a bar: language label, Copy button. */
export function addCodeBars(root: ParentNode, copyLabel: string): void {
  for (const pre of Array.from(root.querySelectorAll("pre"))) {
    if (pre.parentElement?.classList.contains("code-block")) continue;
    const block = document.createElement("div");
    block.className = "code-block";
    const bar = document.createElement("div");
    bar.className = "code-bar";
    const language = LANGUAGE.exec(pre.querySelector("code")?.className ?? "")?.[1];
    if (language) {
      const label = document.createElement("span");
      label.className = "code-lang";
      label.textContent = language;
      bar.append(label);
    }
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "code-copy";
    copy.dataset.copyCode = "";
    copy.textContent = copyLabel;
    bar.append(copy);
    pre.replaceWith(block);
    block.append(bar, pre);
  }
}
