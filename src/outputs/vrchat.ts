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
 * network step, 1/512) since they were last sent, bools that flipped. A message not sent for
 * `refreshMs` (default 1 s) is sent again, changed or not, so a datagram lost on the network, a target
 * that joined late or an avatar just switched (VRChat resets its parameters) is right again within a
 * second. At most `maxMessagesPerFrame` (default 128) go per frame, changed ones first: the first
 * frame has several hundred with binary bits (730 at 8 bits), and a burst that size overflows a
 * receiver's socket buffer (measured here: of 414 sent at once to oscdump on loopback, 402 arrived);
 * the rest follow in the next frames. Frames without a face change only the tracking-active bools (false), so
 * the avatar holds its last expression.
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
  /** A message not sent for this long is sent again, changed or not, ms. Default 1000. */
  refreshMs?: number;
  /** Most messages (datagrams) a frame sends to each target; the rest follow in the next frames. Default 128. */
  maxMessagesPerFrame?: number;
  /** Socket retry and state-hold timings (udp-target.ts). */
  udp?: Omit<UdpTargetOptions, 'host' | 'port'>;
}

/** One message kept up to date at the receivers: this frame's value, and what was last sent of it. */
interface Entry {
  message: OscMessage;
  /** A float, or a bool as 0 or 1. */
  value: number;
  sentValue: number;
  sentAt: number;
}

const entry = (message: OscMessage): Entry => ({ message, value: 0, sentValue: NaN, sentAt: -Infinity });
const floatEntry = (address: string): Entry => entry({ address, args: [{ type: 'float', value: 0 }] });
const boolEntry = (address: string): Entry => entry({ address, args: [{ type: 'false' }] });
const isFloat = (e: Entry): boolean => e.message.args[0].type === 'float';

/** Each face parameter's entries: the float, its bits (bit 0 first), and Negative for signed ones. */
interface ParameterEntries {
  float: Entry;
  bits: Entry[];
  negative: Entry | null;
}

export class VrChatOutput implements TrackingOutput {
  readonly name = 'vrchat';
  private readonly targets: UdpTargets;
  private readonly limiter: RateLimiter;
  private readonly bits: number;
  private readonly epsilon: number;
  private readonly refreshMs: number;
  private readonly maxMessages: number;
  private readonly active = TRACKING_ACTIVE_PARAMETERS.map((n) => boolEntry(`${AVATAR_PARAMETER_PREFIX}${n}`));
  private readonly parameters: ParameterEntries[];
  /** Every entry, in sending order (tracking-active bools first). */
  private readonly entries: Entry[];
  /** The entries chosen for this frame, and their datagrams (both reused). */
  private readonly chosen: Entry[] = [];
  private readonly datagrams: DataView[] = [];
  private framesSent = 0;
  private closed = false;

  constructor(options: VrChatOutputOptions = {}) {
    const bits = options.binaryBits ?? 0;
    if (!Number.isInteger(bits) || bits < 0 || bits > MAX_BINARY_BITS) throw new RangeError(`binaryBits must be an integer from 0 to ${MAX_BINARY_BITS}, got ${bits}`);
    this.bits = bits;
    this.epsilon = options.epsilon ?? 1 / 512;
    this.refreshMs = options.refreshMs ?? 1000;
    this.maxMessages = Math.max(1, options.maxMessagesPerFrame ?? 128);
    this.limiter = new RateLimiter(options.rateHz ?? 30);
    this.parameters = FACE_PARAMETERS.map((p): ParameterEntries => {
      const address = `${AVATAR_PARAMETER_PREFIX}v2/${p.name}`;
      return {
        float: floatEntry(address),
        bits: binaryNames(address, bits).map(boolEntry),
        negative: bits > 0 && p.signed ? boolEntry(negativeName(address)) : null,
      };
    });
    this.entries = [...this.active, ...this.parameters.flatMap((p) => [p.float, ...p.bits, ...(p.negative ? [p.negative] : [])])];
    this.targets = new UdpTargets(options.targets ?? [{ host: '127.0.0.1', port: VRCHAT_DEFAULT_PORT }], options.udp);
  }

  send(frame: TrackingFrame): void {
    if (this.closed || !this.targets.ready) return;
    if (!this.limiter.take()) return;
    try {
      for (const e of this.active) e.value = frame.face ? 1 : 0;
      if (frame.face) this.readFace(frame.face);
      const now = performance.now();
      this.choose(now);
      const count = this.chosen.length;
      if (count === 0) return;
      for (let i = 0; i < count; i++) this.datagrams[i] = encodeMessage(this.chosen[i].message);
      if (!this.targets.send(this.datagrams, count)) return; // nothing left: all stays due for the next frame
      for (const e of this.chosen) {
        e.sentValue = e.value;
        e.sentAt = now;
      }
      this.framesSent++;
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

  /** This frame's value of every parameter entry. */
  private readFace(face: TrackedFace): void {
    for (let i = 0; i < this.parameters.length; i++) {
      const p = this.parameters[i];
      const value = FACE_PARAMETERS[i].read(face);
      p.float.value = value;
      if (this.bits === 0) continue;
      const level = binaryLevel(value, this.bits);
      for (let bit = 0; bit < this.bits; bit++) p.bits[bit].value = (level >> bit) & 1;
      if (p.negative) p.negative.value = value < 0 ? 1 : 0;
    }
  }

  /** Up to maxMessages entries, their messages set to their values: the changed ones first, then those due a refresh. */
  private choose(now: number): void {
    this.chosen.length = 0;
    for (const e of this.entries) if (this.chosen.length < this.maxMessages && this.changed(e)) this.pick(e);
    for (const e of this.entries) if (this.chosen.length < this.maxMessages && !this.changed(e) && now - e.sentAt >= this.refreshMs) this.pick(e);
  }

  private changed(e: Entry): boolean {
    return isFloat(e) ? !(Math.abs(e.value - e.sentValue) < this.epsilon) : e.value !== e.sentValue;
  }

  private pick(e: Entry): void {
    const arg = e.message.args[0];
    if (arg.type === 'float') arg.value = e.value;
    else arg.type = e.value ? 'true' : 'false';
    this.chosen.push(e);
  }
}
