/**
 * VMC protocol output (Virtual Motion Capture protocol, https://protocol.vmc.info/): OSC over UDP to
 * VSeeFace, VNyan, Warudo, VMagicMirror, default port 39539. Reads only TrackingFrame.
 *
 * Per frame with a face, in this order (one bundle, or several under the datagram size limit, see
 * osc/datagrams.ts; or one datagram per message in unbundled mode):
 *   /VMC/Ext/OK        i i i i  loaded = 1, calibration state = 3 (calibrated), calibration mode = 0
 *                               (normal), tracking status = 1 (0 when no face is tracked)
 *   /VMC/Ext/T         f        frame time, seconds (TrackingFrame.timeMs / 1000)
 *   /VMC/Ext/Root/Pos  s f*7    "root", position xyz, rotation xyzw: origin and identity, or the
 *                               head's translation relative to the first tracked frame with moveRoot
 *   /VMC/Ext/Bone/Pos  s f*7    "Neck", then "Head": local position (typical humanoid offsets, for
 *                               receivers that apply bone positions) and local rotation; Neck carries
 *                               `neckShare` of the head rotation and Head the rest, Neck * Head = head
 *   /VMC/Ext/Blend/Val s f      the VRM0 presets (vmc/blends.ts), then every ARKit blend shape of the
 *                               frame under its ARKit name ("eyeBlinkLeft", ...) for "perfect sync"
 *   /VMC/Ext/Blend/Apply
 * A frame without a face sends only OK (tracking status 0) and T, so receivers hold the last pose.
 * Coordinates and the anatomical (non-mirrored) mapping: vmc/unity.ts.
 */

import type { TrackedFace, TrackingFrame, Vec3 } from '../tracking/types';
import type { OutputState, TrackingOutput } from './output';
import { RateLimiter } from './rate-limit';
import type { UdpTargetOptions } from './udp-target';
import { UdpTargets, type UdpDestination } from './udp-targets';
import { VRM0_BLEND_NAMES, vrm0Blends } from './vmc/blends';
import { encodeGroup, packMessages, type OscArg, type OscMessage } from './osc/datagrams';
import { cameraMmToUnity, headQuatToUnity, quatMultiply, quatPower } from './vmc/unity';

export interface VmcOutputOptions {
  /** Receivers (each gets every frame; see udp-targets.ts). Default 127.0.0.1 on port 39539 (VMC's default). */
  targets?: readonly UdpDestination[];
  /** Most frames a second to send; 0 = every frame. Default 60. */
  rateHz?: number;
  /** false: one datagram per message, for receivers that cannot read bundles. Default true. */
  bundled?: boolean;
  /** Largest bundle, bytes. Default 1400 (one unfragmented datagram on a 1500-byte MTU). */
  maxDatagramBytes?: number;
  /** Share of the head rotation the Neck bone carries, 0..1. Default 0.3. */
  neckShare?: number;
  /** Move the root with the head's translation (relative to the first tracked frame). Default false. */
  moveRoot?: boolean;
  /** Neck local position in its parent (m); typical humanoid proportions. Default [0, 0.1, 0]. */
  neckLocalPosition?: Vec3;
  /** Head local position in the neck (m). Default [0, 0.08, 0]. */
  headLocalPosition?: Vec3;
  /** Socket retry and state-hold timings (udp-target.ts). */
  udp?: Omit<UdpTargetOptions, 'host' | 'port'>;
}

export const VMC_DEFAULT_PORT = 39539;

const float = (value = 0): OscArg => ({ type: 'float', value });
const int = (value = 0): OscArg => ({ type: 'integer', value });
const str = (value: string): OscArg => ({ type: 'string', value });

function poseMessage(address: string, name: string): OscMessage {
  return { address, args: [str(name), float(), float(), float(), float(), float(), float(), float(1)] };
}

function setPose(m: OscMessage, p: ArrayLike<number>, q: ArrayLike<number>): void {
  for (let i = 0; i < 3; i++) m.args[1 + i].value = p[i];
  for (let i = 0; i < 4; i++) m.args[4 + i].value = q[i];
}

export class VmcOutput implements TrackingOutput {
  readonly name = 'vmc';
  private readonly targets: UdpTargets;
  private readonly limiter: RateLimiter;
  private readonly bundled: boolean;
  private readonly maxBytes: number;
  private readonly neckShare: number;
  private readonly moveRoot: boolean;
  private readonly neckPos: Vec3;
  private readonly headPos: Vec3;
  private framesSent = 0;
  private closed = false;

  // Preallocated messages, mutated in place each frame.
  private readonly ok: OscMessage = { address: '/VMC/Ext/OK', args: [int(1), int(3), int(0), int(0)] };
  private readonly time: OscMessage = { address: '/VMC/Ext/T', args: [float()] };
  private readonly root = poseMessage('/VMC/Ext/Root/Pos', 'root');
  private readonly neck = poseMessage('/VMC/Ext/Bone/Pos', 'Neck');
  private readonly head = poseMessage('/VMC/Ext/Bone/Pos', 'Head');
  private readonly apply: OscMessage = { address: '/VMC/Ext/Blend/Apply', args: [] };
  private readonly vrmBlends = VRM0_BLEND_NAMES.map((n): OscMessage => ({ address: '/VMC/Ext/Blend/Val', args: [str(n), float()] }));
  private arkitBlends: OscMessage[] = [];
  private arkitKeys: string[] = [];
  private faceMessages: OscMessage[] = [];
  private faceGroups: number[][] = [];
  private readonly noFaceMessages: OscMessage[];
  private readonly noFaceGroups: number[][];
  private readonly datagrams: DataView[] = [];

  private readonly vrmValues = new Float64Array(VRM0_BLEND_NAMES.length);
  private readonly qHead = new Float64Array(4);
  private readonly qNeck = new Float64Array(4);
  private readonly qNeckInv = new Float64Array(4);
  private readonly qHeadLocal = new Float64Array(4);
  private readonly position = new Float64Array(3);
  private readonly identity = new Float64Array([0, 0, 0, 1]);
  private readonly delta: Vec3 = [0, 0, 0];
  private rootReference: Vec3 | null = null;

  constructor(options: VmcOutputOptions = {}) {
    this.bundled = options.bundled ?? true;
    this.maxBytes = options.maxDatagramBytes ?? 1400;
    this.neckShare = Math.max(0, Math.min(1, options.neckShare ?? 0.3));
    this.moveRoot = options.moveRoot ?? false;
    this.neckPos = options.neckLocalPosition ?? [0, 0.1, 0];
    this.headPos = options.headLocalPosition ?? [0, 0.08, 0];
    this.limiter = new RateLimiter(options.rateHz ?? 60);
    this.targets = new UdpTargets(options.targets ?? [{ host: '127.0.0.1', port: VMC_DEFAULT_PORT }], options.udp);
    this.noFaceMessages = [this.ok, this.time];
    this.noFaceGroups = packMessages(this.noFaceMessages, this.bundled, this.maxBytes);
    this.relayout([]);
  }

  /** The datagram grouping in use for frames with a face (message indices), for tests and status. */
  get layout(): { messages: readonly OscMessage[]; groups: readonly (readonly number[])[] } {
    return { messages: this.faceMessages, groups: this.faceGroups };
  }

  /** Makes the current head position the root's origin again (moveRoot). */
  recenter(): void {
    this.rootReference = null;
  }

  send(frame: TrackingFrame): void {
    if (this.closed || !this.targets.ready) return;
    if (!this.limiter.take()) return;
    try {
      const face = frame.face;
      this.time.args[0].value = frame.timeMs / 1000;
      this.ok.args[3].value = face ? 1 : 0;
      let messages = this.noFaceMessages;
      let groups = this.noFaceGroups;
      if (face) {
        this.fillFace(face);
        messages = this.faceMessages;
        groups = this.faceGroups;
      }
      for (let g = 0; g < groups.length; g++) this.datagrams[g] = encodeGroup(messages, groups[g], this.bundled);
      if (this.targets.send(this.datagrams, groups.length)) this.framesSent++;
    } catch {
      // A frame that cannot be encoded (should not happen: values are finite numbers) is dropped.
    }
  }

  state(): OutputState {
    return this.targets.state(this.framesSent);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.targets.close();
  }

  private fillFace(face: TrackedFace): void {
    const pose = face.pose;
    headQuatToUnity(pose.quaternion, this.qHead);
    quatPower(this.qHead, this.neckShare, this.qNeck);
    this.qNeckInv[0] = -this.qNeck[0];
    this.qNeckInv[1] = -this.qNeck[1];
    this.qNeckInv[2] = -this.qNeck[2];
    this.qNeckInv[3] = this.qNeck[3];
    quatMultiply(this.qNeckInv, this.qHead, this.qHeadLocal);
    setPose(this.neck, this.neckPos, this.qNeck);
    setPose(this.head, this.headPos, this.qHeadLocal);

    if (this.moveRoot) {
      const t = pose.translationMm;
      if (!this.rootReference) this.rootReference = [t[0], t[1], t[2]];
      const r = this.rootReference;
      const d = this.delta;
      d[0] = t[0] - r[0];
      d[1] = t[1] - r[1];
      d[2] = t[2] - r[2];
      cameraMmToUnity(d, this.position);
    } else {
      this.position.fill(0);
    }
    setPose(this.root, this.position, this.identity);

    vrm0Blends(face, this.vrmValues);
    for (let i = 0; i < this.vrmBlends.length; i++) this.vrmBlends[i].args[1].value = this.vrmValues[i];

    const shapes = face.blendshapes;
    if (!this.sameKeys(shapes)) this.relayout(Object.keys(shapes));
    for (let i = 0; i < this.arkitKeys.length; i++) {
      const v = shapes[this.arkitKeys[i]];
      this.arkitBlends[i].args[1].value = Number.isFinite(v) ? v : 0;
    }
  }

  private sameKeys(shapes: Record<string, number>): boolean {
    let n = 0;
    for (const k in shapes) {
      if (this.arkitKeys[n] !== k) return false;
      n++;
    }
    return n === this.arkitKeys.length;
  }

  /** Rebuilds the message list and grouping when the set of ARKit names changes (rare). */
  private relayout(keys: string[]): void {
    this.arkitKeys = keys;
    this.arkitBlends = keys.map((k): OscMessage => ({ address: '/VMC/Ext/Blend/Val', args: [str(k), float()] }));
    this.faceMessages = [this.ok, this.time, this.root, this.neck, this.head, ...this.vrmBlends, ...this.arkitBlends, this.apply];
    this.faceGroups = packMessages(this.faceMessages, this.bundled, this.maxBytes);
  }
}
