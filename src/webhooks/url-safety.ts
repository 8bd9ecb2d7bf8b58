import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Webhook URLs are chosen by tenants, so Rolegate must not become their way into its own network
 * (SSRF): only http(s) (https only in production), no credentials in the URL, and the host must
 * resolve to public addresses only. The check runs when the URL is saved AND inside the socket's
 * DNS lookup at every delivery, so a name that later re-resolves to 127.0.0.1 (DNS rebinding) is
 * refused at connect time. Redirects are never followed (the sender treats 3xx as a failure).
 */

/** Addresses no webhook may reach: loopback, private, link-local, CGNAT, multicast, reserved… */
const FORBIDDEN = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  // IPv4-compatible (::a.b.c.d, parsed by URL as ::7f00:1) and IPv4-translated (::ffff:0:a.b.c.d)
  // forms embed an IPv4 address that a translator or tunnel may route to.
  ['::', 96],
  ['::ffff:0:0:0', 96],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  FORBIDDEN.addSubnet(net, prefix, 'ipv6');
}

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** True when `address` (an IP literal) is a public unicast address a webhook may reach. */
export function isPublicAddress(address: string): boolean {
  const mapped = MAPPED_V4.exec(address);
  const ip = mapped?.[1] ?? address;
  const family = isIP(ip);
  if (family === 0) return false;
  return !FORBIDDEN.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

export interface UrlPolicy {
  /** Production: https only. */
  requireHttps: boolean;
  /** Development and tests only (refused in production by the config): allow private addresses. */
  allowPrivateAddresses: boolean;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** The shape rules; address rules run at resolution (see `resolvePublic` and `guardedLookup`). */
export function checkWebhookUrlShape(raw: string, policy: UrlPolicy): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'must be an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'must be https' };
  if (policy.requireHttps && url.protocol !== 'https:') return { ok: false, reason: 'must be https' };
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'must not carry credentials; the signature authenticates Rolegate' };
  }
  if (url.hash !== '') return { ok: false, reason: 'must not have a fragment' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowPrivateAddresses && isIP(host) !== 0 && !isPublicAddress(host)) {
    return { ok: false, reason: 'must not point to a private, loopback or link-local address' };
  }
  return { ok: true, url };
}

type LookupAll = (hostname: string) => Promise<LookupAddress[]>;

const systemLookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) reject(err);
      else resolve(addresses);
    });
  });

/** Resolves the host and refuses it when any address is not public (at save time). */
export async function resolvePublic(
  url: URL,
  policy: UrlPolicy,
  lookupAll: LookupAll = systemLookupAll,
): Promise<UrlCheck> {
  if (policy.allowPrivateAddresses) return { ok: true, url };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host) !== 0 ? [{ address: host, family: isIP(host) }] : await lookupAll(host);
  } catch {
    return { ok: false, reason: 'the host name does not resolve' };
  }
  if (addresses.length === 0) return { ok: false, reason: 'the host name does not resolve' };
  if (addresses.some((a) => !isPublicAddress(a.address))) {
    return { ok: false, reason: 'resolves to a private, loopback or link-local address' };
  }
  return { ok: true, url };
}

export class ForbiddenAddressError extends Error {
  override readonly name = 'ForbiddenAddressError';
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http(s).request that refuses non-public addresses at connect time; with
 * `allowPrivateAddresses` it is the plain system lookup.
 */
export function guardedLookup(policy: UrlPolicy) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) {
        callback(err, options.all ? [] : '');
        return;
      }
      const allowed = policy.allowPrivateAddresses
        ? addresses
        : addresses.filter((a) => isPublicAddress(a.address));
      const first = allowed[0];
      if (first === undefined || (!policy.allowPrivateAddresses && allowed.length !== addresses.length)) {
        callback(
          new ForbiddenAddressError(`${hostname} resolves to a forbidden address`),
          options.all ? [] : '',
        );
        return;
      }
      if (options.all) callback(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}
