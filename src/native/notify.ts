/**
 * sd_notify(3) without libsystemd: one AF_UNIX datagram to $NOTIFY_SOCKET (a path, or '@name' for the
 * abstract namespace). Node's dgram module has no Unix datagram sockets, so the addon sends it.
 */
import { nativeAddon } from './addon';

/**
 * Sends `state` (e.g. "READY=1", "WATCHDOG=1", "STATUS=tracking\nREADY=1"). Returns false when not
 * running under systemd (NOTIFY_SOCKET unset or empty and no `socket` given); throws with the
 * reason when the send fails. `socket` overrides $NOTIFY_SOCKET.
 */
export function sdNotify(state: string, socket?: string): boolean {
  return nativeAddon().notify(state, socket);
}
