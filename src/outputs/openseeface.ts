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
import type { UdpTargetOptions } from './udp-target';
import { UdpTargets, type UdpDestination } from './udp-targets';

export interface OpenSeeFaceOutputOptions {
  /** Receivers (each gets every packet; see udp-targets.ts). Default 127.0.0.1 on port 11573 (OpenSeeFace's default). */
  targets?: readonly UdpDestination[];
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
  private readonly targets: UdpTargets;
  private readonly limiter: RateLimiter;
  // The kernel may read a datagram after send() returns (libuv queues it when the socket is busy), so
  // records rotate through a ring and at most RING - 1 may be in flight to each target: the slot
  // being rewritten has always been sent to all of them (UDP sends complete in order).
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
    this.targets = new UdpTargets(options.targets ?? [{ host: '127.0.0.1', port: OSF_DEFAULT_PORT }], { ...options.udp, maxInFlight: RING - 1 });
  }

  send(frame: TrackingFrame): void {
    if (this.closed || !frame.face || !this.targets.ready) return;
    if (!this.limiter.take()) return;
    try {
      const writer = this.ring[this.slot];
      this.slot = (this.slot + 1) % RING;
      this.datagram[0] = writer.write(frame.face, frame.width, frame.height, this.clock(), this.faceId);
      if (this.targets.send(this.datagram)) this.framesSent++;
    } catch {
      // Malformed frame contents: dropped, never thrown into the tracking loop.
    }
  }

  state(): OutputState {
    return this.targets.state(this.framesSent);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.targets.close();
  }
}
