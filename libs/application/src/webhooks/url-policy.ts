/**
 * Which receiver URLs a webhook may have: http(s) only, and (unless the service runs with
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS=true) no host that resolves to a loopback, private, link-local or
 * otherwise internal address, so a tenant cannot make the service call into its own network. The
 * rule is applied when a webhook is registered and again at every connection (the lookup the
 * sender uses), so a name that is later pointed at an internal address is refused then too.
 */
import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { promises as dns } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';

const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network, unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (cloud metadata services)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is loopback, private, link-local or otherwise not on the public internet. */
export const isInternalAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 4) return INTERNAL.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return INTERNAL.check(mapped[1]!, 'ipv4');
  return INTERNAL.check(address, 'ipv6');
};

/** A URL the policy refuses: `message` says why, for the 400 naming `url`. */
export class WebhookUrlRefused extends Error {
  override readonly name = 'WebhookUrlRefused';
}

/** The host of a URL as an address or a name (IPv6 literals without their brackets). */
const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Parses and checks a receiver URL; throws WebhookUrlRefused. Resolves the host unless private networks are allowed. */
export const checkWebhookUrl = async (text: string, allowPrivateNetworks: boolean): Promise<URL> => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookUrlRefused('must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookUrlRefused(`must be http:// or https://, not ${url.protocol}//`);
  if (url.username || url.password) throw new WebhookUrlRefused('must not carry a user name or password');
  if (allowPrivateNetworks) return url;
  const host = hostOf(url);
  if (isIP(host)) {
    if (isInternalAddress(host)) throw new WebhookUrlRefused(`must not point at a loopback, private or link-local address (${host})`);
    return url;
  }
  let addresses: { address: string }[];
  try {
    addresses = await dns.lookup(host, { all: true, verbatim: true });
  } catch {
    throw new WebhookUrlRefused(`host ${host} does not resolve`);
  }
  const internal = addresses.find(({ address }) => isInternalAddress(address));
  if (internal) throw new WebhookUrlRefused(`host ${host} resolves to a loopback, private or link-local address (${internal.address})`);
  return url;
};

/** The lookup the sender connects with: a name that resolves to an internal address fails the attempt. */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const internal = addresses.find(({ address }) => isInternalAddress(address));
    if (internal) return callback(new WebhookUrlRefused(`${hostname} resolves to an internal address (${internal.address})`), '', 0);
    if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0]!;
    return callback(null, first.address, first.family);
  });
};
