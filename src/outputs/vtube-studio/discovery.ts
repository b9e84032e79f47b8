/**
 * VTube Studio on the LAN: every running VTube Studio broadcasts its API state by UDP on port 47779
 * once every two seconds, even with its plugin API switched off (github.com/DenchiSoft/VTubeStudio,
 * README "API Server Discovery (UDP)"):
 *
 *   {"apiName": "VTubeStudioPublicAPI", "apiVersion": "1.0", "timestamp": 1630159656406,
 *    "messageType": "VTubeStudioAPIStateBroadcast", "requestID": "VTubeStudioAPIStateBroadcast",
 *    "data": {"active": false, "port": 8001, "instanceID": "93aa0d...", "windowTitle": "VTube Studio"}}
 *
 * `VtsDiscovery` listens for those and keeps the instances heard, keyed by instance id and sender
 * address, each with the time it was last heard; one silent for `expireMs` (10 s: five missed
 * broadcasts) is forgotten. The Outputs page offers each as a target in one tap (ws://address:port).
 *
 * It listens all the time the service runs: one socket and a datagram every 2 s per instance cost
 * nothing, and the list is then already there when the page opens.
 *
 * Failure semantics: nothing here throws or fails the service. The port is bound with reuseAddr
 * (VTube Studio plugins on the same box may listen too); a bind that still fails (taken without
 * reuseAddr, not allowed) leaves discovery off with the reason in `state().problem`, logged once.
 * A datagram that is not a well-formed broadcast (garbage, oversized, wrong types, another message)
 * is dropped and counted; the first one is logged with its sender and why, the rest only counted.
 * At most MAX_INSTANCES are kept (the longest silent is forgotten first), so a flood of made-up
 * instance ids cannot grow memory.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Logger } from '../../system/log';
import { VTS_API_NAME } from './messages';

export const VTS_DISCOVERY_PORT = 47779;
/** Five missed broadcasts (one every 2 s). */
export const VTS_EXPIRE_MS = 10_000;
/** A real broadcast is about 250 bytes; anything this big is not one. */
const MAX_DATAGRAM_BYTES = 2048;
const MAX_INSTANCES = 32;
const MAX_TEXT = 128;

/** One VTube Studio heard on the LAN. */
export interface VtsInstance {
  /** The sender's IPv4 address. */
  address: string;
  /** Its plugin API's WebSocket port (ws://address:port). */
  port: number;
  instanceId: string;
  windowTitle: string;
  /** Whether its plugin API is switched on ("Allow Plugin API access"); it broadcasts either way. */
  active: boolean;
  /** Milliseconds since its last broadcast. */
  lastHeardAgoMs: number;
}

export interface VtsDiscoveryState {
  /** True once the socket is bound. */
  listening: boolean;
  /** The UDP port listened on (the configured one, or the one the system gave for 0); null before binding. */
  port: number | null;
  /** Why discovery is off (the bind failed), in one line. */
  problem?: string;
  /** Datagrams dropped since start because they were not a VTube Studio broadcast. */
  ignoredDatagrams: number;
}

export interface VtsDiscoveryOptions {
  /** Default 47779 (VTube Studio's); tests use 0, a free port. */
  port?: number;
  /** Default 10 s. */
  expireMs?: number;
  log?: Pick<Logger, 'warn' | 'info'>;
  /** Monotonic clock in ms. Default performance.now. */
  now?: () => number;
}

type Broadcast = Omit<VtsInstance, 'address' | 'lastHeardAgoMs'>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shortText = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_TEXT;

/** The broadcast in `bytes`, or why it is not one. */
export function parseVtsBroadcast(bytes: Uint8Array): Broadcast | { rejected: string } {
  if (bytes.length > MAX_DATAGRAM_BYTES) return { rejected: `${bytes.length} bytes, more than a broadcast ever is` };
  let message: unknown;
  try {
    message = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { rejected: 'not UTF-8 JSON' };
  }
  if (!isRecord(message) || message.apiName !== VTS_API_NAME) return { rejected: `not a ${VTS_API_NAME} message` };
  if (message.messageType !== 'VTubeStudioAPIStateBroadcast') return { rejected: `messageType ${JSON.stringify(message.messageType)}, not VTubeStudioAPIStateBroadcast` };
  const data = message.data;
  if (!isRecord(data)) return { rejected: 'no data object' };
  const { port, instanceID, windowTitle, active } = data;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return { rejected: 'data.port is not a port number' };
  if (!shortText(instanceID) || instanceID.length === 0) return { rejected: 'data.instanceID is not a short string' };
  if (!shortText(windowTitle)) return { rejected: 'data.windowTitle is not a short string' };
  if (typeof active !== 'boolean') return { rejected: 'data.active is not true or false' };
  return { port, instanceId: instanceID, windowTitle, active };
}

export class VtsDiscovery {
  private readonly configuredPort: number;
  private readonly expireMs: number;
  private readonly log: Pick<Logger, 'warn' | 'info'> | undefined;
  private readonly now: () => number;
  /** Keyed by instance id and sender: the same id from two addresses (a PC with two links) is two entries. */
  private readonly heard = new Map<string, Broadcast & { address: string; heardAt: number }>();
  private socket: Socket | null = null;
  private boundPort: number | null = null;
  private problem: string | undefined;
  private ignored = 0;
  private closed = false;

  constructor(options: VtsDiscoveryOptions = {}) {
    this.configuredPort = options.port ?? VTS_DISCOVERY_PORT;
    this.expireMs = options.expireMs ?? VTS_EXPIRE_MS;
    this.log = options.log;
    this.now = options.now ?? (() => performance.now());
  }

  /** Binds the port; resolves either way (a failure is in state().problem). */
  start(): Promise<void> {
    if (this.socket || this.closed) return Promise.resolve();
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    this.socket = socket;
    socket.on('message', (bytes, from) => this.receive(bytes, from));
    return new Promise((resolve) => {
      const failed = (err: Error) => {
        this.problem = `cannot listen on UDP port ${this.configuredPort} for VTube Studio's announcements: ${err.message}`;
        this.log?.warn(`VTube Studio discovery: ${this.problem}; type its address by hand`);
        socket.close();
        this.socket = null;
        resolve();
      };
      socket.once('error', failed);
      socket.bind(this.configuredPort, () => {
        socket.off('error', failed);
        // After the bind, a socket error (rare for a receiver) must not crash the service.
        socket.on('error', (err) => this.log?.warn(`VTube Studio discovery: ${err.message}`));
        this.boundPort = socket.address().port;
        resolve();
      });
    });
  }

  /** The instances heard within the last `expireMs`, most recently heard first. */
  instances(): VtsInstance[] {
    const now = this.now();
    this.expire(now);
    return [...this.heard.values()]
      .sort((a, b) => b.heardAt - a.heardAt)
      .map((h) => ({ address: h.address, port: h.port, instanceId: h.instanceId, windowTitle: h.windowTitle, active: h.active, lastHeardAgoMs: Math.round(now - h.heardAt) }));
  }

  state(): VtsDiscoveryState {
    return { listening: this.boundPort !== null, port: this.boundPort, ...(this.problem ? { problem: this.problem } : {}), ignoredDatagrams: this.ignored };
  }

  /** Closes the socket; idempotent. */
  close(): Promise<void> {
    this.closed = true;
    const socket = this.socket;
    this.socket = null;
    this.boundPort = null;
    this.heard.clear();
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }

  private receive(bytes: Buffer, from: RemoteInfo): void {
    const parsed = parseVtsBroadcast(bytes);
    if ('rejected' in parsed) {
      if (this.ignored++ === 0) this.log?.info(`VTube Studio discovery: ignored a datagram from ${from.address}:${from.port} (${parsed.rejected}); later ones are only counted`);
      return;
    }
    const now = this.now();
    const key = `${parsed.instanceId} ${from.address}`;
    this.heard.delete(key); // re-inserted last: the map stays in order of hearing
    this.heard.set(key, { ...parsed, address: from.address, heardAt: now });
    if (this.heard.size > MAX_INSTANCES) this.heard.delete(this.heard.keys().next().value!);
  }

  private expire(now: number): void {
    for (const [key, h] of this.heard) if (now - h.heardAt > this.expireMs) this.heard.delete(key);
  }
}
