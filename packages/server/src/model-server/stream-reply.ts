/**
 * Writes one reply as OpenAI's SSE stream: a role chunk, one chunk per token, a `stop` chunk, the
 * optional usage chunk, then `[DONE]`. Scripted `abort` and `stall` failures cut it short.
 * Writes straight to Node's response (not through a web ReadableStream) because an `abort` must
 * know its chunks were flushed before it destroys the socket.
 */
import type { ServerResponse } from "node:http";
import { closedSignal, pause, untilClosed, writeFlushed } from "./connection.js";
import type { ReplyPlan } from "./reply-plan.js";
import { chunk, type CompletionMeta, sseFrame, usageChunk } from "./wire.js";

const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

/** Resolves when the reply is fully sent, cut short as scripted, or the client has gone. */
export async function streamReply(
  res: ServerResponse,
  plan: ReplyPlan,
  meta: CompletionMeta,
  includeUsage: boolean,
): Promise<void> {
  const closed = closedSignal(res);
  const send = (data: object | "[DONE]") => writeFlushed(res, sseFrame(data), closed);
  const cut = plan.failure?.kind === "abort" || plan.failure?.kind === "stall" ? plan.failure : undefined;
  const tokens = cut ? plan.tokens.slice(0, cut.afterTokens) : plan.tokens;

  res.writeHead(200, SSE_HEADERS);
  await send(chunk(meta, { role: "assistant", content: "", refusal: null }, null, includeUsage));
  for (const token of tokens) {
    if (!(await pause(plan.tokenDelayMs, closed))) return;
    await send(chunk(meta, { content: token }, null, includeUsage));
  }
  if (closed.aborted) return;

  if (cut?.kind === "abort") {
    res.destroy(); // no terminating chunk: the client sees a connection cut mid-body
    return;
  }
  if (cut?.kind === "stall") {
    await untilClosed(closed);
    return;
  }
  await send(chunk(meta, {}, "stop", includeUsage));
  if (includeUsage) await send(usageChunk(meta, plan.usage));
  await send("[DONE]");
  res.end();
}
