/**
 * How other hosts reach this box, from the status API's `network` (hostname and addresses): its mDNS
 * name (the image publishes `<hostname>.local` through systemd-resolved), its first IPv4 address and
 * the UI's URL, for the Outputs page's banner and the guides. An unpaired browser gets a redacted
 * status without them; it then shows what it used itself to get here.
 */
import type { ServiceStatus } from '../api/http';

export interface BoxAddress {
  /** e.g. "vtlink-1a2b.local"; null when unknown. */
  name: string | null;
  /** e.g. "192.168.1.23"; null when unknown. */
  address: string | null;
  /** e.g. "http://vtlink-1a2b.local:8080/". */
  url: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const LOOPBACK = /^(127\.|localhost$|\[?::1\]?$)/;

export function boxAddress(status: ServiceStatus | null): BoxAddress {
  const network = status?.network;
  const hostname = network?.hostname ?? '';
  const name = hostname === '' ? (LOOPBACK.test(location.hostname) ? null : location.hostname) : hostname.includes('.') ? hostname : `${hostname}.local`;
  const address = network?.addresses.find((a) => IPV4.test(a)) ?? null;
  const port = network?.server?.port ?? (location.port ? Number(location.port) : 80);
  const host = name ?? address ?? location.hostname;
  return { name, address, url: `http://${host}${port === 80 ? '' : `:${port}`}/` };
}

/** "vtlink-1a2b.local (192.168.1.23)", whichever parts are known. */
export function boxLabel(box: BoxAddress): string {
  if (box.name && box.address) return `${box.name} (${box.address})`;
  return box.name ?? box.address ?? 'this box';
}

/**
 * The first three parts of the box's IPv4 address ("192.168.1."): on a home network the PC's
 * address usually starts the same, so a new target starts from it. Empty when unknown.
 */
export function subnetPrefix(box: BoxAddress): string {
  const m = box.address ? IPV4.exec(box.address) : null;
  return m ? `${m[1]}.${m[2]}.${m[3]}.` : '';
}
