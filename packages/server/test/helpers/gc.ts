/** Full garbage collections for tests that check what is no longer kept (with a `WeakRef`). */
import v8 from "node:v8";
import { runInNewContext } from "node:vm";

/** Two full collections, each after the current job (a WeakRef's target is kept until its job ends). */
export async function collectGarbage(): Promise<void> {
  v8.setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
}
