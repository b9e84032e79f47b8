/**
 * OpenSeeFace output: the UDP packets OpenSeeFace's facetracker.py sends, which VSeeFace reads from its
 * "OpenSeeFace" tracker setting (and Unity projects through OpenSee.cs). Default port 11573. One
 * 1785-byte record per frame with a face (layout.ts for the bytes, packet.ts for where every field
 * comes from); frames without a face send nothing, as facetracker.py does. Reads only TrackingFrame.
 */

import type { TrackingFrame } from '../tracking/types';
import { OSF_DEFAULT_PORT } from './openseeface/layout';
import { OsfPacketWriter } from './openseeface/packet';
import type { OutputState, TrackingOutput } from './output';
import { RateLimiter } from './rate-limit';
import { UdpTarget, type UdpTargetOptions } from './udp-target';

export interface OpenSeeFaceOutputOptions {
  /** Receiver host. Default 127.0.0.1. */
  host?: string;
  /** Receiver UDP port. Default 11573 (OpenSeeFace's default). */
  port?: number;
  /** Most packets a second; 0 = every frame. Default 60. */
  rateHz?: number;
  /** Face id written in the record (facetracker.py's --face-id-offset). Default 0. */
  faceId?: number;
  /** Clock for the record's time field, seconds. Default: wall clock (facetracker.py's time.time()). */
  clock?: () => number;
  /** Socket retry and state-hold timings (udp-target.ts). */
  udp?: Omit<UdpTargetOptions, 'host' | 'port'>;
}

const RING = 8;

export class OpenSeeFaceOutput implements TrackingOutput {
  readonly name = 'openseeface';
  private readonly target: UdpTarget;
  private readonly limiter: RateLimiter;
  // The kernel may read a datagram after send() returns (libuv queues it when the socket is busy), so
  // records rotate through a ring and at most RING - 1 may be in flight: the slot being rewritten
  // has always been sent (UDP sends complete in order).
  private readonly ring = Array.from({ length: RING }, () => new OsfPacketWriter());
  private readonly datagram: Uint8Array[] = [new Uint8Array(0)];
  private slot = 0;
  private readonly faceId: number;
  private readonly clock: () => number;
  private framesSent = 0;
  private closed = false;

  constructor(options: OpenSeeFaceOutputOptions = {}) {
    this.faceId = options.faceId ?? 0;
    this.clock = options.clock ?? ((): number => Date.now() / 1000);
    this.limiter = new RateLimiter(options.rateHz ?? 60);
    this.target = new UdpTarget({ ...options.udp, maxInFlight: RING - 1, host: options.host ?? '127.0.0.1', port: options.port ?? OSF_DEFAULT_PORT });
  }

  send(frame: TrackingFrame): void {
    if (this.closed || !frame.face || !this.target.ready) return;
    if (!this.limiter.take()) return;
    try {
      const writer = this.ring[this.slot];
      this.slot = (this.slot + 1) % RING;
      this.datagram[0] = writer.write(frame.face, frame.width, frame.height, this.clock(), this.faceId);
      if (this.target.send(this.datagram)) this.framesSent++;
    } catch {
      // Malformed frame contents: dropped, never thrown into the tracking loop.
    }
  }

  state(): OutputState {
    return this.target.state(this.framesSent);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.target.close();
  }
}
