import { isIPv4, isIPv6 } from 'node:net';

export interface ClientIdentity {
  /** The verified token's `sub`. */
  subject?: string | null;
  /** The name of the configured API key the client presented (never the key itself). */
  apiKey?: string | null;
  /** The client's address, as the transport determined it. */
  ip?: string | null;
}

/**
 * The bucket a request is charged to, the first of: the token's subject
 * (`sub:alice`), the configured API key's name (`key:partner-a`; only
 * configured keys get this far, so a client cannot mint buckets), the
 * client address (`ip:1.2.3.4`). An IPv4-mapped IPv6 address counts as its
 * IPv4 address; another IPv6 address counts as its /64 (`ip:2001:db8:0:1::/64`),
 * the block one subscriber usually holds, so a client cannot get a fresh
 * bucket per address. No identity at all: `ip:unknown`, one shared bucket.
 */
export function clientKey({ subject, apiKey, ip }: ClientIdentity): string {
  if (subject) return `sub:${subject}`;
  if (apiKey) return `key:${apiKey}`;
  if (ip) return `ip:${addressKey(ip)}`;
  return 'ip:unknown';
}

const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

function addressKey(ip: string): string {
  const mapped = IPV4_MAPPED.exec(ip);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  const address = ip.replace(/%.*$/, ''); // zone id (fe80::1%eth0)
  return isIPv6(address) ? `${ipv6Prefix64(address)}::/64` : ip;
}

/** The first four groups of a valid IPv6 address, without leading zeros (`2001:db8:0:1`). */
function ipv6Prefix64(address: string): string {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  // An embedded IPv4 address fills the last two groups; they are past the /64 anyway.
  const width = (parts: string[]) => parts.reduce((n, p) => n + (p.includes('.') ? 2 : 1), 0);
  const full = tail === undefined ? left : [...left, ...Array<string>(8 - width(left) - width(right)).fill('0'), ...right];
  return full
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':');
}
