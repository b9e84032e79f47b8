/**
 * VRChat OSC output against a real UDP socket, decoded by an OSC implementation that is not ours
 * (liblo's oscdump, helpers/oscdump.ts): the VRCFaceTracking v2 addresses and types, the values of
 * known faces, the binary bits and Negative flags, changed-only sending with its periodic full
 * refresh, frames without a face, and the rate limit.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { BLENDSHAPE_NAMES } from '../src/geometry/features/blendshapes';
import { VrChatOutput, type VrChatOutputOptions } from '../src/outputs/vrchat';
import { FACE_PARAMETERS } from '../src/outputs/vrchat/parameters';
import type { TrackingFrame } from '../src/tracking/types';
import { OscDump, type Decoded } from './helpers/oscdump';
import { sleep, waitUntil } from './helpers/wait';

const P = '/avatar/parameters/FT/v2/';
const ACTIVE = ['/avatar/parameters/FT/EyeTrackingActive', '/avatar/parameters/FT/LipTrackingActive'];

interface FaceSpec {
  shapes?: Record<string, number>;
  eyes?: [number, number];
  /** Left eye's gaze yaw and pitch, degrees (the right eye and the combined gaze look straight). */
  leftGaze?: [number, number];
  head?: [yaw: number, pitch: number, roll: number];
}

function faceFrame(index: number, spec: FaceSpec = {}): TrackingFrame {
  const blendshapes: Record<string, number> = {};
  for (const n of BLENDSHAPE_NAMES) blendshapes[n] = spec.shapes?.[n] ?? 0;
  const ahead = { vector: [0, 0, -1] as [number, number, number], yaw: 0, pitch: 0 };
  const [lYaw, lPitch] = spec.leftGaze ?? [0, 0];
  const [yaw, pitch, roll] = spec.head ?? [0, 0, 0];
  return {
    source: 'test',
    frame: index,
    timeMs: 1000 + index * 33,
    width: 640,
    height: 480,
    face: {
      score: 0.99,
      box: [100, 100, 200, 200],
      landmarks: [],
      iris: [],
      landmarks68: [],
      pose: { yaw, pitch, roll, quaternion: [1, 0, 0, 0], translationMm: [0, 0, 600], reprojectionPx: 1 },
      gaze: { left: { ...ahead, yaw: lYaw, pitch: lPitch }, right: ahead, combined: ahead },
      eyes: { left: spec.eyes?.[0] ?? 1, right: spec.eyes?.[1] ?? 1 },
      mouth: { open: 0, wide: 0, vowels: { a: 0, i: 0, u: 0, e: 0, o: 0 } },
      brows: { left: 0, right: 0 },
      blendshapes,
    },
  };
}

const noFace = (index: number): TrackingFrame => ({ source: 'test', frame: index, timeMs: 1000 + index * 33, width: 640, height: 480, face: null });

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(options: VrChatOutputOptions = {}): Promise<{ dump: OscDump; out: VrChatOutput }> {
  const port = await freePort();
  const dump = await OscDump.start(port);
  cleanups.push(() => dump.stop());
  const out = new VrChatOutput({ rateHz: 0, ...options, targets: [{ host: '127.0.0.1', port }] });
  cleanups.push(() => out.close());
  await waitUntil(() => out.state().status === 'sending');
  return { dump, out };
}

/** The last value each address received. */
function latest(messages: Decoded[]): Map<string, Decoded> {
  return new Map(messages.map((m) => [m.address, m]));
}

/**
 * Sends the face every 50 ms until `count` messages have arrived (a frame sends at most 128, the rest
 * follow in the next), then checks that none came twice.
 */
async function sendUntil(dump: OscDump, out: VrChatOutput, frame: () => TrackingFrame, count: number): Promise<void> {
  for (let i = 0; i < 20 && dump.messages.length < count; i++) {
    out.send(frame());
    await sleep(50);
  }
  await dump.waitFor((m) => m.length >= count);
  await sleep(100);
  expect(dump.messages).toHaveLength(count);
  expect(new Set(dump.messages.map((m) => m.address)).size).toBe(count);
}

const FLOAT_COUNT = FACE_PARAMETERS.length;
const SIGNED_COUNT = FACE_PARAMETERS.filter((p) => p.signed).length;

describe('VRChat OSC output (decoded by liblo oscdump)', () => {
  it('sends every parameter as a float at /avatar/parameters/FT/v2/<name>, with the values VRCFaceTracking’s formulas give', async () => {
    const { dump, out } = await setup();
    out.send(
      faceFrame(0, {
        shapes: { jawOpen: 0.5, eyeWideLeft: 0.4, mouthSmileLeft: 0.7, mouthFrownLeft: 0.2, mouthStretchLeft: 0.1, jawLeft: 0.25, browInnerUp: 0.6, browOuterUpLeft: 0.2, browDownLeft: 0.1, mouthLeft: 0.3 },
        eyes: [0.8, 0.6],
        leftGaze: [20, -10],
        head: [45, 30, -18],
      }),
    );
    await dump.waitFor((m) => m.length >= FLOAT_COUNT + 2);
    await sleep(100);
    expect(dump.messages).toHaveLength(FLOAT_COUNT + 2);
    const got = latest(dump.messages);
    expect([...got.keys()].sort()).toEqual([...ACTIVE, ...FACE_PARAMETERS.map((p) => P + p.name)].sort());
    for (const a of ACTIVE) expect(got.get(a)).toEqual({ address: a, types: 'T', values: [true] });
    for (const p of FACE_PARAMETERS) expect(got.get(P + p.name)!.types, p.name).toBe('f');
    const value = (name: string): number => got.get(P + name)!.values[0] as number;
    const expected: Record<string, number> = {
      JawOpen: 0.5,
      MouthClosed: 0,
      EyeOpenLeft: 0.8,
      EyeOpenRight: 0.6,
      EyeLidLeft: 0.8 * 0.75 + 0.4 * 0.25,
      EyeLidRight: 0.6 * 0.75,
      EyeLid: (0.8 * 0.75 + 0.4 * 0.25 + 0.6 * 0.75) / 2,
      // Gaze: tan of the angle, + to the subject's right and up.
      EyeLeftX: Math.tan((20 * Math.PI) / 180),
      EyeLeftY: Math.tan((-10 * Math.PI) / 180),
      EyeRightX: 0,
      // Head: -1..1 for -90..90 degrees; VRCFT's pitch is + looking down (ours + up).
      'Head/Yaw': 0.5,
      'Head/Pitch': -1 / 3,
      'Head/Roll': -0.2,
      MouthSmileLeft: 0.7,
      MouthSadLeft: 0.2,
      SmileSadLeft: 0.5,
      JawX: -0.25,
      MouthX: -0.3,
      MouthUpperLeft: 0.3,
      MouthLowerLeft: 0.3,
      BrowInnerUpLeft: 0.6,
      BrowInnerUpRight: 0.6,
      BrowUpLeft: 0.2 * 0.6 + 0.6 * 0.4,
      BrowExpressionLeft: (0.6 + 0.2) / 2 - 0.1,
      BrowExpressionRight: 0.6 / 2,
    };
    for (const [name, v] of Object.entries(expected)) expect(value(name), name).toBeCloseTo(v, 5);
    expect(out.state()).toMatchObject({ status: 'sending', framesSent: 1, errors: 0 });
  });

  it('binary parameters: the bits of floor(|v| x 2^N), all bits set at 1.0, Negative for a value below 0', async () => {
    const { dump, out } = await setup({ binaryBits: 4 });
    const all = FLOAT_COUNT * 5 + SIGNED_COUNT + 2;
    await sendUntil(dump, out, () => faceFrame(0, { shapes: { jawOpen: 0.5, jawLeft: 0.25, mouthClose: 1, mouthSmileLeft: 0.3 }, head: [45, 0, 0] }), all);
    const got = latest(dump.messages);
    const bits = (name: string): boolean[] => [1, 2, 4, 8].map((b) => {
      const m = got.get(`${P}${name}${b}`)!;
      expect(m.types).toMatch(/^[TF]$/);
      return m.values[0] as boolean;
    });
    // 0.5 x 16 = 8: only the 8 bit.
    expect(bits('JawOpen')).toEqual([false, false, false, true]);
    // -0.25: |v| x 16 = 4, and Negative.
    expect(bits('JawX')).toEqual([false, false, true, false]);
    expect(got.get(`${P}JawXNegative`)?.values).toEqual([true]);
    // 1.0: every bit (not 16, which would overflow to 0).
    expect(bits('MouthClosed')).toEqual([true, true, true, true]);
    // 0.3 x 16 = 4.8 -> 4.
    expect(bits('MouthSmileLeft')).toEqual([false, false, true, false]);
    // 0: no bit; a positive signed value: Negative false; unsigned values have no Negative.
    expect(bits('TongueOut')).toEqual([false, false, false, false]);
    expect(bits('Head/Yaw')).toEqual([false, false, false, true]);
    expect(got.get(`${P}Head/YawNegative`)?.values).toEqual([false]);
    expect(got.has(`${P}JawOpenNegative`)).toBe(false);
    // The floats go as well, for avatars that use them.
    expect(got.get(`${P}JawX`)).toEqual({ address: `${P}JawX`, types: 'f', values: [-0.25] });
  });

  it('sends only what changed (beyond 1/512), and everything again once a refresh period has passed', async () => {
    const { dump, out } = await setup({ refreshMs: 1000, binaryBits: 2 });
    const full = FLOAT_COUNT * 3 + SIGNED_COUNT + 2;
    await sendUntil(dump, out, () => faceFrame(0, { shapes: { jawOpen: 0.2 } }), full);
    const sentFirst = out.state().framesSent; // 2: 128 messages, then the rest
    const t0 = performance.now();
    dump.messages.length = 0;
    // The same face, then one a hair different: nothing. Then jawOpen 0.2 -> 0.6: its float and the
    // bit that flips (0.2 x 4 = 0.8 -> level 0; 0.6 x 4 = 2.4 -> level 2: the 2 bit). Being the first
    // to arrive after the quiet frames, it shows they sent nothing.
    out.send(faceFrame(1, { shapes: { jawOpen: 0.2 } }));
    out.send(faceFrame(2, { shapes: { jawOpen: 0.2 + 1 / 1024 } }));
    out.send(faceFrame(3, { shapes: { jawOpen: 0.6 } }));
    await dump.waitFor((m) => m.length >= 2);
    await sleep(150);
    expect(performance.now() - t0).toBeLessThan(700); // still inside the refresh period (else the check is void)
    expect(dump.messages).toEqual([
      { address: `${P}JawOpen`, types: 'f', values: [expect.closeTo(0.6, 6)] },
      { address: `${P}JawOpen2`, types: 'T', values: [true] },
    ]);
    expect(out.state().framesSent).toBe(sentFirst + 1); // the quiet frames sent nothing
    // A refresh period later, the same face sends everything again, each message once.
    while (performance.now() - t0 < 1100) await sleep(50);
    dump.messages.length = 0;
    await sendUntil(dump, out, () => faceFrame(4, { shapes: { jawOpen: 0.6 } }), full);
    expect(latest(dump.messages).get(`${P}JawOpen`)?.values[0]).toBeCloseTo(0.6, 6);
  });

  it('a frame without a face sends the tracking-active bools as false and nothing else', async () => {
    const { dump, out } = await setup();
    out.send(faceFrame(0));
    await dump.waitFor((m) => m.length >= FLOAT_COUNT + 2);
    dump.messages.length = 0;
    out.send(noFace(1));
    out.send(noFace(2)); // unchanged: nothing
    out.send(faceFrame(3)); // the face is back: the bools go true; its values are as before, so nothing else
    await dump.waitFor((m) => m.length >= 4);
    await sleep(100);
    expect(dump.messages).toEqual([
      ...ACTIVE.map((address) => ({ address, types: 'F', values: [false] })),
      ...ACTIVE.map((address) => ({ address, types: 'T', values: [true] })),
    ]);
  });

  it('limits the rate', async () => {
    // 2 Hz: a burst of changing faces lets one through; a face sent a full period later goes too.
    const periodMs = 500;
    const { dump, out } = await setup({ rateHz: 1000 / periodMs });
    for (let i = 0; i < 20; i++) out.send(faceFrame(i, { shapes: { jawOpen: i / 20 } }));
    const burstEnd = performance.now();
    expect(out.state().framesSent).toBe(1);
    while (performance.now() - burstEnd < periodMs) await sleep(periodMs / 4);
    out.send(faceFrame(99, { shapes: { jawOpen: 0.99 } }));
    expect(out.state().framesSent).toBe(2);
    await dump.waitFor((m) => m.some((x) => x.address === `${P}JawOpen` && Math.abs((x.values[0] as number) - 0.99) < 1e-6));
    const jaw = dump.messages.filter((m) => m.address === `${P}JawOpen`).map((m) => m.values[0] as number);
    expect(jaw).toEqual([0, expect.closeTo(0.99, 6)]); // frame 0, then the one a period later
  });

  it('sends at most 128 messages a frame, changed ones first; the rest follow in the next frames, each once', async () => {
    const { dump, out } = await setup({ binaryBits: 8 });
    const all = FLOAT_COUNT * 9 + SIGNED_COUNT + 2; // 730
    out.send(faceFrame(0));
    await dump.waitFor((m) => m.length >= 128);
    await sleep(150);
    expect(dump.messages).toHaveLength(128);
    // The next frame moves the left eye (sent in the first frame) to 45 degrees: x = 1, every bit
    // set. Those 9 go first, then the next of the backlog.
    const look = (i: number) => faceFrame(i, { leftGaze: [45, 0] });
    out.send(look(1));
    await dump.waitFor((m) => m.length >= 256);
    expect(dump.messages.slice(128, 137)).toEqual([
      { address: `${P}EyeLeftX`, types: 'f', values: [1] },
      ...[1, 2, 4, 8, 16, 32, 64, 128].map((bit) => ({ address: `${P}EyeLeftX${bit}`, types: 'T', values: [true] })),
    ]);
    for (let i = 2; i < 20 && dump.messages.length < all + 9; i++) {
      out.send(look(i));
      await sleep(50);
    }
    await sleep(150);
    expect(dump.messages).toHaveLength(all + 9);
    expect(new Set(dump.messages.map((m) => m.address)).size).toBe(all);
    expect(out.state().framesSent).toBe(Math.ceil((all + 9) / 128));
  });

  it('refuses a bit count it cannot send', () => {
    expect(() => new VrChatOutput({ binaryBits: 9 })).toThrow(/binaryBits/);
    expect(() => new VrChatOutput({ binaryBits: 1.5 })).toThrow(/binaryBits/);
  });
});
