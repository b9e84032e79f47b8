/**
 * The addresses other hosts can reach the box at, for the UI's System page (the user types one into
 * a PC's browser or a VTuber app). Read from the kernel at most every few seconds: cheap, but the
 * status is polled.
 */
import { hostname, networkInterfaces } from 'node:os';

export interface NetworkInfo {
  hostname: string;
  /** Non-loopback addresses, IPv4 first; IPv6 link-local ones (fe80::) are left out: unusable in a URL without a zone. */
  addresses: string[];
}

const CACHE_MS = 5000;
let cached: { at: number; info: NetworkInfo } | null = null;

export function networkInfo(now = performance.now()): NetworkInfo {
  if (cached && now - cached.at < CACHE_MS) return cached.info;
  const v4: string[] = [];
  const v6: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      if (entry.family === 'IPv4') v4.push(entry.address);
      else if (!entry.address.toLowerCase().startsWith('fe80:')) v6.push(entry.address);
    }
  }
  const info = { hostname: hostname(), addresses: [...v4, ...v6] };
  cached = { at: now, info };
  return info;
}
