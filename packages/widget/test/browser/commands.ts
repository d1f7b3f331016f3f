/**
 * Web Test Runner's built-in browser commands (sendKeys, setViewport, emulateMedia) and ours
 * (set-offline, web-test-runner.config.mjs), called over its dev-server web socket the way
 * `@web/test-runner-commands` does, without adding that package to the widget's dependencies.
 */
const sessionId = new URL(location.href).searchParams.get("wtr-session-id");

async function execute<T>(command: string, payload: unknown): Promise<T> {
  const socket = (await import(/* @vite-ignore */ "/__web-dev-server__web-socket.js" as string)) as {
    sendMessageWaitForResponse(message: unknown): Promise<{ executed: boolean; result: T }>;
  };
  const response = await socket.sendMessageWaitForResponse({ type: "wtr-command", sessionId, command, payload });
  if (!response.executed) throw new Error(`command ${command} was not executed`);
  return response.result;
}

/** Real key presses (trusted events), e.g. `{ press: "Escape" }`, `{ type: "hello" }`. */
export const sendKeys = (payload: { press: string } | { type: string } | { down: string } | { up: string }) => execute<void>("send-keys", payload);
export const setViewport = (payload: { width: number; height: number }) => execute<void>("set-viewport", payload);
export const emulateMedia = (payload: { colorScheme?: "light" | "dark" | "no-preference"; reducedMotion?: "reduce" | "no-preference"; media?: string }) =>
  execute<void>("emulate-media", payload);
export const sendMouse = (payload: { type: "click" | "move" | "down" | "up"; position?: [number, number]; button?: "left" | "right" | "middle" }) =>
  execute<void>("send-mouse", payload);

/**
 * Takes the page offline (`navigator.onLine` false, the `offline` event; requests to `origins`
 * fail like offline ones) or back online (`origins` ignored).
 */
export const setOffline = (offline: boolean, origins: string[] = []) => execute<boolean>("set-offline", { offline, origins });

/** A real (trusted) click in the middle of `element`, giving the page user activation. */
export async function realClick(element: Element): Promise<void> {
  element.scrollIntoView({ block: "center" });
  const box = element.getBoundingClientRect();
  await sendMouse({ type: "click", position: [Math.round(box.left + box.width / 2), Math.round(box.top + box.height / 2)] });
}
