/**
 * Splits markdown into top-level blocks that render the same on their own as inside the whole
 * text, so a streaming message re-renders only its last (growing) block while the blocks
 * before it keep their DOM.
 *
 * A blank line ends a block unless what follows continues it: an indented line (list item
 * continuation, indented code) or another list item after a list. Fenced code never splits.
 * Text with link reference or footnote definitions (`[x]: …`) is one block: definitions
 * affect the whole document.
 */

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const LIST_ITEM = /^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)/;
const DEFINITION = /^ {0,3}\[[^\]]+\]:/m;

export function splitBlocks(text: string): string[] {
  if (DEFINITION.test(text)) return [text];
  const lines = text.split("\n");
  const blocks: string[] = [];
  let current: string[] = [];
  let fence: string | null = null;
  let blank = false;

  const flush = () => {
    if (current.length > 0) blocks.push(current.join("\n"));
    current = [];
  };

  for (const line of lines) {
    if (fence !== null) {
      current.push(line);
      const close = FENCE.exec(line);
      if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length && line.trim() === close[1]) fence = null;
      continue;
    }
    if (line.trim() === "") {
      if (current.length > 0) blank = true;
      if (current.length > 0) current.push(line);
      continue;
    }
    if (blank) {
      blank = false;
      const continues = /^[ \t]/.test(line) || (LIST_ITEM.test(line) && LIST_ITEM.test(current[0]!));
      if (!continues) {
        while (current.length > 0 && current[current.length - 1]!.trim() === "") current.pop();
        flush();
      }
    }
    const open = FENCE.exec(line);
    if (open) fence = open[1]!;
    current.push(line);
  }
  flush();
  return blocks;
}
