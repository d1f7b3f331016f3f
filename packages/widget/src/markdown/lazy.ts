/**
 * A chunk fetched on first need (highlight.js, the GFM syntax): until it arrives the renderer
 * falls back to what it has, and once it is there every subscriber re-renders what it drew
 * without it. A failed load (offline, blocked) is retried on the next need.
 */
export class LazyChunk<T> {
  private value: T | null = null;
  private loading: Promise<void> | null = null;
  private readonly waiting = new Set<() => void>();

  constructor(private readonly importer: () => Promise<T>) {}

  /** The loaded module, or null (then call `load()`). */
  get(): T | null {
    return this.value;
  }

  /** Starts loading (once); resolves when loaded, or when the load failed. */
  load(): Promise<void> {
    this.loading ??= this.importer().then(
      (module) => {
        this.value = module;
        for (const listener of [...this.waiting]) listener();
      },
      () => {
        this.loading = null;
      },
    );
    return this.loading;
  }

  /** Calls `listener` once the chunk has loaded. Returns an unsubscribe function. */
  onReady(listener: () => void): () => void {
    this.waiting.add(listener);
    return () => this.waiting.delete(listener);
  }
}
