/**
 * The registry runs generations detached from any request: whatever goes wrong inside one must
 * end as a result, never as an unhandled rejection that would take the API process down.
 */
import { describe, expect, it } from "vitest";
import { createGenerationRegistry } from "../src/generation/registry.js";
import type { GenerationJob } from "../src/generation/generator.js";

const limits = { idleMs: 60_000, totalMs: 60_000, leaseMs: 60_000, appendIntervalMs: 0, outageMs: 1_000 };
const unused = () => Promise.reject(new Error("not used in this test"));

describe("generation registry", () => {
  it("turns a generation that throws outside its model loop into an 'unterminated' result", async () => {
    const registry = createGenerationRegistry({
      streams: { append: unused, read: unused, ensureStream: unused, ping: unused } as never,
      models: { defaultModel: "m", stream: () => (async function* () {})() },
      leases: { release: async () => undefined, closeWithError: async () => undefined, renewHeld: async () => [] },
      clock: () => new Date(),
      holder: "h",
      limits,
    });
    const job: GenerationJob = {
      chatId: "c1",
      assistantMessageId: "m1",
      stream: "s",
      key: "chat:c1",
      model: "m",
      prompt: [],
      maxTokens: 16,
      producerId: "", // the appender refuses this at construction: runGeneration throws
      epoch: 0,
      nextProducerSeq: 1,
      eventProducer: "gen-m1.0",
      nextEventSeq: 0,
    };
    await expect(registry.start(job)).resolves.toMatchObject({ status: "unterminated" });
    expect(registry.running).toBe(0);
  });
});
