/**
 * "Are we online?", "is now a good moment to reconnect?" and "is the page going away?", as an
 * injectable signal. The default reads the browser (`navigator.onLine`, `online`/`offline`,
 * `visibilitychange` to visible, `pageshow`, `pagehide`) and is always online with no wake-ups
 * in Node. Tests and native shells pass their own.
 */

export interface NetworkSignal {
  /** False when the device is known to be offline. */
  isOnline(): boolean;
  /** Calls `listener` whenever `isOnline()` may have changed. Returns an unsubscribe function. */
  onChange(listener: (online: boolean) => void): () => void;
  /**
   * Optional: calls `listener` when the page comes back (tab visible again, restored from the
   * back/forward cache): a tail waiting to reconnect does so at once. Returns an unsubscribe.
   */
  onWake?(listener: () => void): () => void;
  /**
   * Optional: calls `listener` when the page is going away or may be frozen (`pagehide`): tails
   * store what they show right now. Returns an unsubscribe.
   */
  onHide?(listener: () => void): () => void;
}

/** The browser's view of the network and the page; in Node (no `window`) always online, never woken or hidden. */
export function browserNetwork(): NetworkSignal {
  const hasWindow = typeof window !== "undefined" && typeof window.addEventListener === "function";
  return {
    isOnline() {
      return typeof navigator === "undefined" || navigator.onLine !== false;
    },
    onChange(listener) {
      if (!hasWindow) return () => {};
      const online = () => listener(true);
      const offline = () => listener(false);
      window.addEventListener("online", online);
      window.addEventListener("offline", offline);
      return () => {
        window.removeEventListener("online", online);
        window.removeEventListener("offline", offline);
      };
    },
    onWake(listener) {
      if (!hasWindow) return () => {};
      const visible = () => {
        if (typeof document === "undefined" || document.visibilityState === "visible") listener();
      };
      const pageshow = () => listener();
      if (typeof document !== "undefined") document.addEventListener("visibilitychange", visible);
      window.addEventListener("pageshow", pageshow);
      return () => {
        if (typeof document !== "undefined") document.removeEventListener("visibilitychange", visible);
        window.removeEventListener("pageshow", pageshow);
      };
    },
    onHide(listener) {
      if (!hasWindow) return () => {};
      const pagehide = () => listener();
      window.addEventListener("pagehide", pagehide);
      return () => window.removeEventListener("pagehide", pagehide);
    },
  };
}

/**
 * A network signal you switch by hand (tests, or an app with its own connectivity probe).
 *
 * @example
 * const network = manualNetwork(false);
 * const client = createChatClient({ baseUrl, network });
 * network.set(true); // sends queued while offline go out now
 */
export function manualNetwork(initial = true): NetworkSignal & { set(online: boolean): void; wake(): void; hide(): void } {
  let online = initial;
  const changes = new Set<(online: boolean) => void>();
  const wakes = new Set<() => void>();
  const hides = new Set<() => void>();
  return {
    isOnline: () => online,
    onChange(listener) {
      changes.add(listener);
      return () => changes.delete(listener);
    },
    onWake(listener) {
      wakes.add(listener);
      return () => wakes.delete(listener);
    },
    onHide(listener) {
      hides.add(listener);
      return () => hides.delete(listener);
    },
    set(next) {
      if (next === online) return;
      online = next;
      for (const listener of [...changes]) listener(online);
    },
    wake() {
      for (const listener of [...wakes]) listener();
    },
    hide() {
      for (const listener of [...hides]) listener();
    },
  };
}
