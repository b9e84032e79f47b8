/**
 * VRChat OSC output: face tracking as VRChat avatars read it, the parameters VRCFaceTracking v5 sends
 * (vrchat/parameters.ts: names, ranges, where each value comes from), to VRChat's OSC port (UDP 9000)
 * at `/avatar/parameters/FT/v2/<Name>`. Reads only TrackingFrame.
 *
 * Each parameter is an OSC message of its own, one per datagram, the form every VRChat version reads:
 *   /avatar/parameters/FT/v2/<Name>            f   the value, 0..1 or -1..1
 *   /avatar/parameters/FT/v2/<Name>1, 2, 4...  T|F its binary form, when `binaryBits` > 0 (vrchat/binary.ts)
 *   /avatar/parameters/FT/v2/<Name>Negative    T|F with the bits, for the signed parameters
 *   /avatar/parameters/FT/EyeTrackingActive    T|F a face is tracked (and LipTrackingActive)
 *
 * What is sent when: VRChat applies a parameter when it arrives and keeps it until the next, so a frame
 * sends only what changed: floats that moved by more than `epsilon` (default half of VRChat's 8-bit
 * network step, 1/512) since they were last sent, bits that flipped. Every `refreshMs` (default 1 s)
 * a frame sends everything, so a datagram lost on the network, a target that joined late or an avatar
 * just switched (VRChat resets its parameters) is right again within a second. Frames without a face
 * send the tracking-active bools (false) and nothing else, so the avatar holds its last expression.
 */

import type { TrackedFace, TrackingFrame } from '../tracking/types';
import { encodeMessage, type OscMessage } from './osc/datagrams';
import type { OutputState, TrackingOutput } from './output';
import { RateLimiter } from './rate-limit';
import type { UdpTargetOptions } from './udp-target';
import { UdpTargets, type UdpDestination } from './udp-targets';
import { binaryLevel, binaryNames, MAX_BINARY_BITS, negativeName } from './vrchat/binary';
import { AVATAR_PARAMETER_PREFIX, FACE_PARAMETERS, TRACKING_ACTIVE_PARAMETERS } from './vrchat/parameters';

export const VRCHAT_DEFAULT_PORT = 9000;

export interface VrChatOutputOptions {
  /** Receivers (each gets every message). Default 127.0.0.1 on port 9000 (VRChat's OSC input). */
  targets?: readonly UdpDestination[];
  /** Most frames a second; 0 = every frame. Default 30. */
  rateHz?: number;
  /** Bits of each parameter's binary form, 0..8; 0 = floats only. Default 0. */
  binaryBits?: number;
  /** Smallest change of a float that is sent. Default 1/512. */
  epsilon?: number;
  /** Everything is sent again this often, changed or not, ms. Default 1000. */
  refreshMs?: number;
  /** Socket retry and state-hold timings (udp-target.ts). */
  udp?: Omit<UdpTargetOptions, 'host' | 'port'>;
}

/** One float parameter with its messages and what was last sent of it. */
interface ParameterSlot {
  float: OscMessage;
  bits: OscMessage[];
  negative: OscMessage | null;
  lastValue: number;
  lastLevel: number;
  lastNegative: boolean;
}

const bool = (address: string): OscMessage => ({ address, args: [{ type: 'false' }] });
const setBool = (m: OscMessage, on: boolean): void => {
  m.args[0].type = on ? 'true' : 'false';
};

export class VrChatOutput implements TrackingOutput {
  readonly name = 'vrchat';
  private readonly targets: UdpTargets;
  private readonly limiter: RateLimiter;
  private readonly bits: number;
  private readonly epsilon: number;
  private readonly refreshMs: number;
  private readonly slots: ParameterSlot[];
  private readonly active = TRACKING_ACTIVE_PARAMETERS.map((n) => bool(`${AVATAR_PARAMETER_PREFIX}${n}`));
  private lastActive: boolean | null = null;
  private lastRefreshAt = -Infinity;
  /** The messages of the frame being sent, and their datagrams (both reused). */
  private readonly outgoing: OscMessage[] = [];
  private readonly datagrams: DataView[] = [];
  private framesSent = 0;
  private closed = false;

  constructor(options: VrChatOutputOptions = {}) {
    const bits = options.binaryBits ?? 0;
    if (!Number.isInteger(bits) || bits < 0 || bits > MAX_BINARY_BITS) throw new RangeError(`binaryBits must be an integer from 0 to ${MAX_BINARY_BITS}, got ${bits}`);
    this.bits = bits;
    this.epsilon = options.epsilon ?? 1 / 512;
    this.refreshMs = options.refreshMs ?? 1000;
    this.limiter = new RateLimiter(options.rateHz ?? 30);
    this.slots = FACE_PARAMETERS.map((p): ParameterSlot => {
      const address = `${AVATAR_PARAMETER_PREFIX}v2/${p.name}`;
      return {
        float: { address, args: [{ type: 'float', value: 0 }] },
        bits: binaryNames(address, bits).map(bool),
        negative: bits > 0 && p.signed ? bool(negativeName(address)) : null,
        lastValue: NaN,
        lastLevel: -1,
        lastNegative: false,
      };
    });
    this.targets = new UdpTargets(options.targets ?? [{ host: '127.0.0.1', port: VRCHAT_DEFAULT_PORT }], options.udp);
  }

  send(frame: TrackingFrame): void {
    if (this.closed || !this.targets.ready) return;
    if (!this.limiter.take()) return;
    try {
      const now = performance.now();
      const everything = now - this.lastRefreshAt >= this.refreshMs;
      if (everything) this.lastRefreshAt = now;
      this.outgoing.length = 0;
      const active = frame.face !== null;
      if (everything || active !== this.lastActive) {
        for (const m of this.active) {
          setBool(m, active);
          this.outgoing.push(m);
        }
        this.lastActive = active;
      }
      if (frame.face) this.collectChanges(frame.face, everything);
      const count = this.outgoing.length;
      if (count === 0) return;
      for (let i = 0; i < count; i++) this.datagrams[i] = encodeMessage(this.outgoing[i]);
      if (this.targets.send(this.datagrams, count)) this.framesSent++;
    } catch {
      // A frame that cannot be encoded (should not happen: values are clamped numbers) is dropped.
    }
  }

  state(): OutputState {
    return this.targets.state(this.framesSent);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.targets.close();
  }

  /** Queues the parameters whose value (or bits) changed since last sent; all of them if `everything`. */
  private collectChanges(face: TrackedFace, everything: boolean): void {
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      const value = FACE_PARAMETERS[i].read(face);
      if (everything || !(Math.abs(value - slot.lastValue) < this.epsilon)) {
        slot.float.args[0].value = value;
        slot.lastValue = value;
        this.outgoing.push(slot.float);
      }
      if (this.bits === 0) continue;
      const level = binaryLevel(value, this.bits);
      for (let bit = 0; bit < this.bits; bit++) {
        const on = ((level >> bit) & 1) === 1;
        if (everything || on !== (((slot.lastLevel >> bit) & 1) === 1)) {
          setBool(slot.bits[bit], on);
          this.outgoing.push(slot.bits[bit]);
        }
      }
      slot.lastLevel = level;
      if (slot.negative) {
        const negative = value < 0;
        if (everything || negative !== slot.lastNegative) {
          setBool(slot.negative, negative);
          this.outgoing.push(slot.negative);
        }
        slot.lastNegative = negative;
      }
    }
  }
}
