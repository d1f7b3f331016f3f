/**
 * The client address a rate limit counts by: the TCP peer of the request, and `X-Forwarded-For`
 * only when that peer is a trusted proxy (TRUSTED_PROXIES: IPs, CIDRs and the names
 * `loopback`, `linklocal`, `uniquelocal`; default none). Then the right-most address that is
 * not itself trusted is the client (proxy-addr, as in Express): a client can prepend whatever
 * it likes, but not past the proxies we trust. A header from an untrusted peer is ignored.
 *
 * An IPv6 client counts by its /64 (one subscriber's prefix: its addresses are free to it),
 * an IPv4-mapped IPv6 address as the IPv4 address.
 */
import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";

export type TrustProxy = (address: string, hop: number) => boolean;

/** Refuses what proxy-addr refuses (not an IP, CIDR or range name), naming the setting. */
export function compileTrustedProxies(list: readonly string[]): TrustProxy {
  try {
    return proxyaddr.compile([...list]);
  } catch (error) {
    throw new Error(`TRUSTED_PROXIES: ${(error as Error).message}; use IPs, CIDRs (10.0.0.0/8), loopback, linklocal or uniquelocal`);
  }
}

/**
 * The client of a request that arrived from `peer` with `forwardedFor` (the header's value).
 * Null when the peer is unknown (no socket: an in-process `app.request()`).
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, trust: TrustProxy): string | null {
  if (!peer) return null;
  // proxy-addr reads a Node request; these two fields are all it looks at.
  const hops = proxyaddr.all({ headers: { "x-forwarded-for": forwardedFor }, socket: { remoteAddress: peer } } as never, trust);
  // The right-most untrusted hop; garbage written by a trusted proxy counts as that proxy.
  for (let i = hops.length - 1; i >= 0; i--) {
    if (ipaddr.isValid(hops[i]!)) return hops[i]!;
  }
  return peer;
}

/** The bucket key of an address: IPv4 as is, IPv6 by its /64, anything else as given. */
export function addressBucket(address: string): string {
  if (!ipaddr.isValid(address)) return address.slice(0, 64);
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv4") return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(":")}::/64`;
}
