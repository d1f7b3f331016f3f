/**
 * The streams client's transports (src/streams/client/pool-transport.ts, fetch-transport.ts):
 * the undici Pool default resends an idempotent request once when the tier reset a pooled
 * keep-alive connection just as it was reused, but never an append; a `fetch` passed in
 * carries every request.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { StreamsError } from "../src/streams/client/errors.js";
import { createStreamsClient } from "../src/streams/client/http-client.js";
import { forEachStreamsBackend, readAll, uniqueStreamName } from "./helpers/streams.js";

const OK = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nstream-next-offset: 0000000000000000000G000000\r\nstream-up-to-date: true\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n[]";

/**
 * An HTTP peer on loopback that answers every request with an empty page, except that the
 * first request sent on a REUSED connection (the second on any connection) gets a TCP reset:
 * what a client meets when the tier closes an idle keep-alive connection at the moment the
 * client reuses it. `resets` counts them.
 */
async function resettingPeer() {
  let connections = 0;
  let resets = 0;
  const requestLines: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const connection = ++connections;
    let requests = 0;
    socket.on("data", (chunk) => {
      for (const line of chunk.toString("latin1").split("\r\n").filter((l) => /^[A-Z]+ \/\S* HTTP\/1\.1$/.test(l))) {
        requestLines.push(`${connection} ${line}`);
        requests++;
        if (requests === 2 && resets === 0) {
          resets++;
          socket.resetAndDestroy();
        } else socket.write(OK);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requestLines, resets: () => resets, close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy(); // the client's pooled keep-alive connections
      }),
  };
}

describe("default transport (undici Pool)", () => {
  let peer: Awaited<ReturnType<typeof resettingPeer>> | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  // The pool chooses which of its connections a request goes out on: requests are made until
  // one is sent on a reused connection (the peer resets that one), at most 10.
  it("resends a read once on a new connection when the reused keep-alive connection was reset", async () => {
    peer = await resettingPeer();
    const client = createStreamsClient({ baseUrl: peer.url });
    let reads = 0;
    while (peer.resets() === 0 && reads < 10) {
      const page = await client.read("s", { offset: "-1" });
      expect(page).toMatchObject({ records: [], upToDate: true });
      reads++;
    }
    expect(peer.resets()).toBe(1);
    expect(peer.requestLines).toHaveLength(reads + 1); // the reset read went out twice, and succeeded
  });

  it("never resends an append: the reset surfaces as streams_unavailable for the caller's retry (same producer seq)", async () => {
    peer = await resettingPeer();
    const client = createStreamsClient({ baseUrl: peer.url });
    let error: unknown;
    let appends = 0;
    while (!error && appends < 10) {
      error = await client.append("s", [{ n: 1 }], { producer: { id: "p", epoch: 0, seq: appends } }).then(() => undefined, (e: unknown) => e);
      appends++;
    }
    expect(error).toBeInstanceOf(StreamsError);
    expect(error).toMatchObject({ code: "streams_unavailable", status: 0 });
    expect(peer.requestLines).toHaveLength(appends); // the failed append went out once
  });
});

forEachStreamsBackend((backend) => {
  it("a fetch passed in carries every request", async () => {
    const seen: string[] = [];
    const recording: typeof fetch = (input, init) => {
      seen.push(`${init?.method ?? "GET"} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    };
    const client = backend().client({ fetch: recording });
    const stream = uniqueStreamName("fetch");
    await client.ensureStream(stream);
    await client.append(stream, [{ n: 1 }, { n: 2 }], { key: "chat:1" });
    expect(await readAll(client, stream, "chat:1")).toEqual([{ n: 1 }, { n: 2 }]);
    expect(seen.map((s) => s.split(" ")[0])).toEqual(["PUT", "POST", "GET"]);
  });
});
