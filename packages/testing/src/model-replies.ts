/**
 * Replies of our model server that tests script through what the user types — the only way a
 * browser test can reach the model.
 */
import { lastUserText, type ChatCompletionRequest } from "@open-chat/server/model-server";

export { lastUserText };

/**
 * A `defaultReply` that understands `[[md:<base64url>]]`: the answer is exactly that markdown
 * (`scriptedMarkdown` writes that prompt). Anything else is echoed; other `[[...]]`
 * directives are left to the model server.
 */
export function markdownReply(request: ChatCompletionRequest): string {
  const text = lastUserText(request);
  const scripted = /\[\[md:([A-Za-z0-9_-]+)\]\]/.exec(text);
  if (scripted) return Buffer.from(scripted[1]!, "base64url").toString("utf8");
  const prompt = text.replace(/\[\[[^\]]*\]\]/g, "").replace(/\s+/g, " ").trim();
  return `You said: "${prompt}". This answer comes from the test model server.`;
}
