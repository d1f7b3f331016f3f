/** A fetch that records what the SDK asked for (method, URL, headers, body) before sending it. */
import type { FetchLike } from "../../src/index.js";

export interface RecordedCall {
  method: string;
  url: URL;
  headers: Headers;
  body: string | undefined;
  /** The response status once it arrived (0: no response). */
  status: number;
}

export function recordingFetch(): { fetch: FetchLike; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  return {
    calls,
    async fetch(input, init) {
      const call: RecordedCall = {
        method: init.method ?? "GET",
        url: new URL(input),
        headers: new Headers(init.headers),
        body: typeof init.body === "string" ? init.body : undefined,
        status: 0,
      };
      calls.push(call);
      const response = await fetch(input, init);
      call.status = response.status;
      return response;
    },
  };
}

/** Calls to the chat tail (`/events`), in order. */
export const tailCalls = (calls: RecordedCall[]) => calls.filter((c) => c.url.pathname.endsWith("/events"));
/** Sends (`POST …/messages`), in order. */
export const sendCalls = (calls: RecordedCall[]) => calls.filter((c) => c.method === "POST" && c.url.pathname.endsWith("/messages"));
