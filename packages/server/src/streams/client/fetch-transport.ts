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
    };
  };
}
