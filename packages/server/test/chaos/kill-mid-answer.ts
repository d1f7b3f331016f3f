/**
 * The step both kill -9 suites repeat: send `prompt` in a new chat, SIGKILL the API process once
 * the answer shows `killAt` characters, and start the process again on the same environment.
 */
import { startApiProcess, type ApiProcess } from "./api-process.js";
import { createChat, send, watchChat } from "./chat-watch.js";

export async function killMidAnswer(
  api: ApiProcess,
  env: Record<string, string>,
  token: string,
  prompt: string,
  killAt: number,
): Promise<{ api: ApiProcess; chatId: string; assistantMessageId: string; killedAt: number }> {
  const chatId = await createChat(api.url, token);
  const { assistantMessageId } = await send(api.url, token, chatId, prompt);
  await watchChat(() => api.url, token, chatId, (state) => (state.messages.find((m) => m.id === assistantMessageId)?.text.length ?? 0) >= killAt);
  await api.kill();
  const killedAt = Date.now();
  return { api: await startApiProcess(env), chatId, assistantMessageId, killedAt };
}
