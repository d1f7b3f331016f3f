/**
 * A tiny TCP proxy on loopback between two of our components (node:net): it forwards bytes
 * untouched, records request lines, can cut every connection at once, and can swallow the
 * response of chosen requests (the server handled them; the client never hears back), and can
 * refuse connections altogether for a while (the component behind it is "down").
 */
import net from "node:net";

export interface TcpProxy {
  url: string;
  /** `METHOD /path?query` of every request seen, in order. */
  readonly requests: readonly string[];
  /** Destroys every open connection (client and upstream side); returns how many client connections died. */
  cutAll(): number;
  /** The next `count` requests whose line matches get no response: the connection dies when the answer starts. */
  dropResponses(match: (requestLine: string) => boolean, count?: number): void;
  /** Cuts every connection and refuses new ones (connection refused) until {@link accept}. */
  refuse(): Promise<void>;
  /** Listens again on the same port. */
  accept(): Promise<void>;
  close(): Promise<void>;
}

const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/1\.1\r$/gm;

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const requests: string[] = [];
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const rules: Array<{ match: (line: string) => boolean; remaining: number }> = [];

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    const pair = { client, upstream };
    pairs.add(pair);
    let swallow = false;
    const kill = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk) => {
      for (const match of chunk.toString("latin1").matchAll(REQUEST_LINE)) {
        const line = `${match[1]} ${match[2]}`;
        requests.push(line);
        const rule = rules.find((r) => r.remaining > 0 && r.match(line));
        if (rule) {
          rule.remaining--;
          swallow = true;
        }
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (swallow) return kill();
      client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on("error", kill);
      socket.on("close", kill);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const cutAll = () => {
    const count = pairs.size;
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      pair.client.destroy();
      pair.upstream.destroy();
    }
    return count;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    cutAll,
    dropResponses(match, count = 1) {
      rules.push({ match, remaining: count });
    },
    async refuse() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cutAll();
      await closed;
    },
    accept() {
      return new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
          server.off("error", reject);
          resolve();
        });
      });
    },
    close() {
      cutAll();
      return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}
