import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key of a client address for every per-address budget and lockout (rate limits, login
 * lockouts): an IPv4 address as itself, an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, how a
 * dual-stack listener sees IPv4 clients) as its IPv4 address, any other IPv6 address as its /64.
 * Why /64: it is the smallest block ISPs hand to one subscriber, so a client that rotates through
 * its own /64 (2^64 addresses) must not get a fresh budget per address.
 */
export function addressKey(ip: string): string {
  if (isIPv4(ip)) return ip;
  const groups = ipv6Groups(ip);
  // Not an IP (e.g. a test's or a socket's placeholder): bounded, and never merged with a real one.
  if (groups === null) return `other:${ip.slice(0, 64).toLowerCase()}`;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (zone id ignored), or null if it is not one. */
function ipv6Groups(input: string): number[] | null {
  const ip = input.split('%', 1)[0] ?? '';
  if (!isIPv6(ip)) return null;
  let text = ip.toLowerCase();
  // A trailing dotted quad (`::ffff:1.2.3.4`) becomes two hex groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::', 2);
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  return [...left, ...new Array<number>(missing).fill(0), ...right];
}
