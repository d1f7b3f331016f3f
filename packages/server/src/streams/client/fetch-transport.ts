/** The streams client's transport over a `fetch` (the caller's, e.g. one that records requests). */
import type { Transport } from "./transport.js";

export function fetchTransport(baseUrl: string, doFetch: typeof globalThis.fetch): Transport {
  return async ({ method, path, headers, body, signal }) => {
    const res = await doFetch(baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}), ...(signal ? { signal } : {}) });
    return {
      status: res.status,
      header: (name) => res.headers.get(name),
      text: () => res.text(),
      async drain() {
        if (!res.body) return;
        try {
          await res.arrayBuffer();
        } catch {
          // nothing useful was in it
        }
      },
      async *chunks() {
        if (!res.body) return;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let done = false;
        try {
          for (let read = await reader.read(); !(done = read.done); read = await reader.read()) yield read.value;
        } finally {
          // The caller stopped early: close the response instead of leaving it open.
          if (!done) await reader.cancel().catch(() => undefined);
        }
      },
    };
  };
}
