import { isIPv4 } from 'node:net';

/**
 * Whether a socket's peer address is this machine's loopback (the kiosk browser): 127.0.0.0/8, ::1,
 * or an IPv4 loopback address mapped into IPv6 (how a dual-stack socket on "::" reports it).
 * Anything else, including this machine's own LAN address, counts as another host: a request to
 * the LAN address could have come through a port forward.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIPv4(v4) && v4.startsWith('127.');
}
