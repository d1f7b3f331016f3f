/**
 * The prompt half of `markdownReply`, safe in a browser (no Node imports): browser suites load
 * it as `@open-chat/testing/scripted`.
 */

/** A prompt that makes the test model (with `markdownReply`) answer with exactly `markdown`. */
export function scriptedMarkdown(markdown: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(markdown)) binary += String.fromCharCode(byte);
  return `[[md:${btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}]]`;
}
