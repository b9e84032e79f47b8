/**
 * Who may do what (the table, route by route, is in src/server/README.md):
 * - what shows the room or the people in it, or the box's insides, is private: the camera picture,
 *   the device list, the log, and the face's points on the stream need the kiosk (loopback) or a
 *   host paired with the PIN (its bearer token), whatever else is switched open; a box sits on hotel,
 *   event and shared-flat networks;
 * - the rest of reading is open to every host: the UI, the settings (the avatar page on the PC reads
 *   them), the schema, and the status without names, addresses and paths;
 * - changes (PATCH, POST) are open to the kiosk, and to other hosts only with a paired token and only
 *   while remote changes are allowed;
 * - the pairing PIN and the list of paired clients are for the kiosk only, and so is the kiosk page's
 *   heartbeat (POST /api/kiosk/heartbeat).
 * A browser request whose Origin is another site is refused for changes (no CSRF from a page the
 * kiosk browser might open).
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors';
import type { PairedClient, PairingStore } from './pairing';

/** `private`: reading what shows the room or the box's insides: the kiosk, or a paired host with its token. */
export type AccessLevel = 'read' | 'change' | 'local' | 'pair' | 'private';

export interface Caller {
  peer: string;
  local: boolean;
}

/** The kiosk, or a host that sent a paired token: it may see what is private. */
export function isTrusted(req: IncomingMessage, caller: Caller, pairing: PairingStore, token = bearerToken(req)): boolean {
  return caller.local || (token !== null && pairing.verify(token) !== null);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const m = /^Bearer[ ]+([A-Za-z0-9._~+/=-]{1,256})[ ]*$/i.exec(header);
  return m ? m[1] : null;
}

function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser's cross-site request
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

const unauthorised = (message: string): ApiError =>
  new ApiError(401, 'unauthorized', message, { headers: { 'www-authenticate': 'Bearer realm="vtlink"' } });

/** Throws the ApiError that refuses `caller` at `level`; returns the paired client for remote changes. */
export function checkAccess(
  req: IncomingMessage,
  caller: Caller,
  level: AccessLevel,
  pairing: PairingStore,
  allowRemoteChanges: boolean,
): PairedClient | null {
  if (level === 'read' || level === 'pair') return null;
  if (level === 'private') {
    // A read: no Origin check (a cross-site page cannot read the answer without CORS headers anyway).
    if (caller.local) return null;
    const token = bearerToken(req);
    if (token === null) throw unauthorised('this is for the device’s own screen and paired hosts: pair with the PIN (POST /api/pair), then send Authorization: Bearer <token>');
    const client = pairing.verify(token);
    if (!client) throw unauthorised('unknown or revoked token: pair again with the PIN shown on the device');
    return client;
  }
  if (!sameOrigin(req)) throw new ApiError(403, 'cross-origin', 'changes are not accepted from another site’s page');
  if (level === 'local') {
    if (!caller.local) throw new ApiError(403, 'kiosk-only', 'only the device’s own screen may do this');
    return null;
  }
  if (caller.local) return null;
  if (!allowRemoteChanges) {
    throw new ApiError(403, 'remote-changes-disabled', 'changes from other hosts are switched off (settings.network.allowRemoteChanges)');
  }
  const token = bearerToken(req);
  if (token === null) throw unauthorised('pair with the PIN shown on the device (POST /api/pair), then send Authorization: Bearer <token>');
  const client = pairing.verify(token);
  if (!client) throw unauthorised('unknown or revoked token: pair again with the PIN shown on the device');
  return client;
}
