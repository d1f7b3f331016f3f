/**
 * The streams client's transports (src/streams/client/node-transport.ts, fetch-transport.ts):
 * the `node:http` default resends an idempotent request once when the tier reset a pooled
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
 * SECOND request on the first connection gets a TCP reset: what a client meets when the tier
 * closes an idle keep-alive connection at the moment the client reuses it.
 */
async function resettingPeer() {
  let connections = 0;
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
        if (connection === 1 && requests === 2) socket.resetAndDestroy();
        else socket.write(OK);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requestLines, close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy(); // the client's pooled keep-alive connections
      }),
  };
}

describe("node:http transport", () => {
  let peer: Awaited<ReturnType<typeof resettingPeer>> | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  it("resends a read once on a new connection when the reused keep-alive connection was reset", async () => {
    peer = await resettingPeer();
    const client = createStreamsClient({ baseUrl: peer.url });
    await client.read("s", { offset: "-1" });
    const page = await client.read("s", { offset: "-1" }); // reuses connection 1, which is reset
    expect(page).toMatchObject({ records: [], upToDate: true });
    expect(peer.requestLines.map((l) => l.split(" ")[0])).toEqual(["1", "1", "2"]);
  });

  it("never resends an append: the reset surfaces as streams_unavailable for the caller's retry (same producer seq)", async () => {
    peer = await resettingPeer();
    const client = createStreamsClient({ baseUrl: peer.url });
    await client.read("s", { offset: "-1" });
    const error = await client.append("s", [{ n: 1 }], { producer: { id: "p", epoch: 0, seq: 0 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamsError);
    expect(error).toMatchObject({ code: "streams_unavailable", status: 0 });
    expect(peer.requestLines).toHaveLength(2);
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
