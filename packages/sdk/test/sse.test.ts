/** SSE frames over fetch: split anywhere, parsed into batches and control frames; garbage is reported, not thrown. */
import { describe, expect, test } from "vitest";
import { parseBatch, parseControl, readEventStream } from "../src/tail/sse.js";

function bodyOf(text: string, chunkSizes: number[]): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let position = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (position >= bytes.length) return controller.close();
      const size = chunkSizes[i++ % chunkSizes.length]!;
      controller.enqueue(bytes.slice(position, position + size));
      position += size;
    },
  });
}

const stream = [
  "retry: 500\n\n",
  'event: data\ndata: [{"a":1},{"b":"é✓"}]\n\n',
  "event: control\nid: 0000000000000000000A000000\n",
  'data: {"streamNextOffset":"0000000000000000000A000000","upToDate":true,"streamCursor":"c"}\n\n',
  ": ping\n\n",
  "event: data\ndata: nope\n\n",
  'event: control\ndata: {"streamNextOffset":"0000000000000000000B000000","streamClosed":true}\n\n',
].join("");

describe("readEventStream", () => {
  test.each([[[1]], [[3, 7]], [[1000]]])("chunks of %j give the same frames", async (sizes) => {
    const seen: unknown[] = [];
    await readEventStream(
      bodyOf(stream, sizes),
      {
        onBatch: (events) => seen.push(["batch", events]),
        onControl: (control) => seen.push(["control", control]),
        onMalformed: (reason) => seen.push(["malformed", reason]),
        onActivity: () => {},
      },
      new AbortController().signal,
    );
    expect(seen).toEqual([
      ["batch", [{ a: 1 }, { b: "é✓" }]],
      ["control", { streamNextOffset: "0000000000000000000A000000", upToDate: true, streamCursor: "c" }],
      ["malformed", "data frame is not a JSON array"],
      ["control", { streamNextOffset: "0000000000000000000B000000", streamClosed: true }],
    ]);
  });

  test("an abort rejects with the abort reason", async () => {
    const abort = new AbortController();
    const never = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    const reading = readEventStream(never, { onBatch() {}, onControl() {}, onMalformed() {}, onActivity() {} }, abort.signal);
    abort.abort("stop");
    await expect(reading).rejects.toBe("stop");
  });
});

describe("frame parsers", () => {
  test("batches must be JSON arrays", () => {
    expect(parseBatch("[]")).toEqual([]);
    expect(parseBatch("{}")).toBeNull();
    expect(parseBatch("[1,")).toBeNull();
  });
  test("controls need a valid streamNextOffset", () => {
    expect(parseControl('{"streamNextOffset":"-1"}')).toEqual({ streamNextOffset: "-1" });
    expect(parseControl('{"streamNextOffset":"../../etc"}')).toBeNull();
    expect(parseControl("null")).toBeNull();
    expect(parseControl("{")).toBeNull();
  });
});
