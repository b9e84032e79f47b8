/**
 * VMC output against real UDP sockets, decoded by an independent OSC implementation: liblo's
 * `oscdump` (Debian liblo-tools; helpers/oscdump.ts). Raw datagrams are also read with a plain dgram
 * socket to check bundling and sizes.
 */

import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { BLENDSHAPE_NAMES } from '../src/geometry/features/blendshapes';
import { matrixToQuaternion } from '../src/geometry/linalg';
import { eulerToRotation } from '../src/geometry/pose';
import { VmcOutput } from '../src/outputs/vmc';
import { VRM0_BLEND_NAMES } from '../src/outputs/vmc/blends';
import { quatRotate } from '../src/outputs/vmc/unity';
import type { TrackingFrame } from '../src/tracking/types';
import { OscDump, type Decoded } from './helpers/oscdump';
import { seededRandom as makeRandom } from './helpers/random';
import { sleep, waitUntil } from './helpers/wait';

// ---------- fixtures ----------

function quatFromEuler(yaw: number, pitch: number, roll: number): [number, number, number, number] {
  const q = [0, 0, 0, 0];
  matrixToQuaternion(eulerToRotation(yaw, pitch, roll), q);
  return [q[0], q[1], q[2], q[3]];
}

function faceFrame(index: number, yaw: number, pitch: number, roll: number, rand: () => number): TrackingFrame {
  const blendshapes: Record<string, number> = {};
  for (const n of BLENDSHAPE_NAMES) blendshapes[n] = rand();
  const gaze = { vector: [0, 0, -1] as [number, number, number], yaw: 0, pitch: 0 };
  return {
    source: 'test',
    frame: index,
    timeMs: 5000 + index * 33.25,
    width: 640,
    height: 480,
    face: {
      score: 0.97,
      box: [200, 120, 240, 260],
      landmarks: [],
      iris: [],
      landmarks68: [],
      pose: { yaw, pitch, roll, quaternion: quatFromEuler(yaw, pitch, roll), translationMm: [12, -30, 600], reprojectionPx: 1.2 },
      gaze: { left: gaze, right: gaze, combined: gaze },
      eyes: { left: 0.2 + 0.8 * rand(), right: rand() },
      mouth: { open: rand(), wide: rand(), vowels: { a: rand(), i: rand(), u: rand(), e: rand(), o: rand() } },
      brows: { left: rand(), right: rand() },
      blendshapes,
    },
  };
}

// ---------- helpers ----------

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

function track<T extends { close(): Promise<void> } | OscDump>(x: T): T {
  cleanups.push(() => ('stop' in x ? x.stop() : x.close()));
  return x;
}

const f32 = (v: number): number => Math.fround(v);

// ---------- tests ----------

describe('VMC output (decoded by liblo oscdump)', () => {
  it('sends OK, T, root, Neck and Head, VRM0 and ARKit blends, Apply last; the head quaternion round-trips', async () => {
    const port = await freePort();
    const dump = track(await OscDump.start(port));
    const out = track(new VmcOutput({ targets: [{ host: '127.0.0.1', port }], rateHz: 0 }));
    await waitUntil(() => out.state().status === 'sending');
    const rand = makeRandom(7);
    const frame = faceFrame(3, 25, -10, 8, rand);
    out.send(frame);
    await dump.waitFor((m) => m.some((x) => x.address === '/VMC/Ext/Blend/Apply'));
    const msgs = dump.messages;
    const face = frame.face!;

    expect(msgs[0]).toEqual({ address: '/VMC/Ext/OK', types: 'iiii', values: [1, 3, 0, 1] });
    const t = msgs.find((m) => m.address === '/VMC/Ext/T')!;
    expect(t.types).toBe('f');
    expect(t.values[0]).toBeCloseTo(frame.timeMs / 1000, 3);
    expect(msgs.at(-1)).toEqual({ address: '/VMC/Ext/Blend/Apply', types: '', values: [] });

    const root = msgs.find((m) => m.address === '/VMC/Ext/Root/Pos')!;
    expect(root.types).toBe('sfffffff');
    expect(root.values).toEqual(['root', 0, 0, 0, 0, 0, 0, 1]);

    const bones = msgs.filter((m) => m.address === '/VMC/Ext/Bone/Pos');
    expect(bones.map((b) => b.values[0])).toEqual(['Neck', 'Head']);
    for (const b of bones) expect(b.types).toBe('sfffffff');
    const neckQ = bones[0].values.slice(4, 8) as number[];
    const headQ = bones[1].values.slice(4, 8) as number[];
    // World head rotation = Neck local * Head local (Hamilton product, x y z w).
    const [ax, ay, az, aw] = neckQ;
    const [bx, by, bz, bw] = headQ;
    const world = [aw * bx + ax * bw + ay * bz - az * by, aw * by - ax * bz + ay * bw + az * bx, aw * bz + ax * by - ay * bx + az * bw, aw * bw - ax * bx - ay * by - az * bz];
    // Back into our [w, x, y, z] (same components, see unity.ts), equal up to sign.
    const ours = [world[3], world[0], world[1], world[2]];
    const q = face.pose.quaternion;
    const sign = Math.sign(ours[0] * q[0] + ours[1] * q[1] + ours[2] * q[2] + ours[3] * q[3]);
    for (let i = 0; i < 4; i++) expect(Math.abs(sign * ours[i] - q[i])).toBeLessThan(1e-5);
    // The neck carries part of it (default 0.3 of the angle), not all and not nothing.
    const neckAngle = 2 * Math.acos(Math.min(1, Math.abs(neckQ[3])));
    const totalAngle = 2 * Math.acos(Math.min(1, Math.abs(q[0])));
    expect(neckAngle / totalAngle).toBeCloseTo(0.3, 3);

    const blends = new Map<string, number>();
    for (const m of msgs.filter((x) => x.address === '/VMC/Ext/Blend/Val')) {
      expect(m.types).toBe('sf');
      blends.set(m.values[0] as string, m.values[1] as number);
    }
    for (const n of VRM0_BLEND_NAMES) expect(blends.has(n)).toBe(true);
    for (const n of BLENDSHAPE_NAMES) expect(blends.get(n)).toBeCloseTo(f32(face.blendshapes[n]), 5);
    expect(blends.get('A')).toBeCloseTo(face.mouth.vowels.a, 5);
    expect(blends.get('O')).toBeCloseTo(face.mouth.vowels.o, 5);
    expect(blends.get('Blink_L')).toBeCloseTo(1 - face.eyes.left, 5);
    expect(blends.get('Blink_R')).toBeCloseTo(1 - face.eyes.right, 5);
    const smile = (face.blendshapes.mouthSmileLeft + face.blendshapes.mouthSmileRight) / 2;
    expect(blends.get('Joy')! + blends.get('Fun')!).toBeCloseTo(smile, 5);
    expect(blends.size).toBe(VRM0_BLEND_NAMES.length + BLENDSHAPE_NAMES.length);
    expect(out.state()).toMatchObject({ status: 'sending', framesSent: 1, errors: 0 });
  });

  it('maps anatomically: turning to the right turns the avatar to ITS right; looking up, tilting', async () => {
    const port = await freePort();
    const dump = track(await OscDump.start(port));
    const out = track(new VmcOutput({ targets: [{ host: '127.0.0.1', port }], rateHz: 0, neckShare: 0 }));
    await waitUntil(() => out.state().status === 'sending');
    const rand = makeRandom(1);
    const headOf = async (yaw: number, pitch: number, roll: number): Promise<number[]> => {
      dump.messages.length = 0;
      out.send(faceFrame(0, yaw, pitch, roll, rand));
      await dump.waitFor((m) => m.some((x) => x.address === '/VMC/Ext/Blend/Apply'));
      return dump.messages.find((m) => m.values[0] === 'Head')!.values.slice(4, 8) as number[];
    };
    // Unity avatar: +x its right, +y up, +z forward (out of its face).
    const forward = quatRotate(await headOf(30, 0, 0), [0, 0, 1]);
    expect(forward[0]).toBeCloseTo(Math.sin(Math.PI / 6), 4); // face turned towards its right
    const up = quatRotate(await headOf(0, 20, 0), [0, 0, 1]);
    expect(up[1]).toBeCloseTo(Math.sin((20 * Math.PI) / 180), 4); // looks up
    // Roll > 0: head top towards the image's right = the subject's left shoulder = avatar's -x.
    const top = quatRotate(await headOf(0, 0, 15), [0, 1, 0]);
    expect(top[0]).toBeCloseTo(-Math.sin((15 * Math.PI) / 180), 4);
  });

  it('keeps bundles under the datagram limit and splits the frame; unbundled sends one message per datagram', async () => {
    const port = await freePort();
    const sock = dgram.createSocket('udp4');
    const datagrams: Buffer[] = [];
    sock.on('message', (b) => datagrams.push(b));
    await new Promise<void>((r) => sock.bind(port, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
    const rand = makeRandom(3);

    const bundled = track(new VmcOutput({ targets: [{ host: '127.0.0.1', port }], rateHz: 0 }));
    await waitUntil(() => bundled.state().status === 'sending');
    bundled.send(faceFrame(0, 5, 5, 5, rand));
    const messageCount = bundled.layout.messages.length;
    await waitUntil(() => datagrams.length === bundled.layout.groups.length);
    await bundled.close();
    const total = datagrams.reduce((s, d) => s + d.length, 0);
    expect(datagrams.length).toBeGreaterThan(1); // ~2.5 kB does not fit one 1400-byte datagram
    for (const d of datagrams) {
      expect(d.subarray(0, 8).toString('binary')).toBe('#bundle\0');
      expect(d.length).toBeLessThanOrEqual(1400);
    }
    expect(total).toBeGreaterThan(2000); // measured: 2208 bytes as one bundle, 1380 + 844 split

    datagrams.length = 0;
    const single = track(new VmcOutput({ targets: [{ host: '127.0.0.1', port }], rateHz: 0, maxDatagramBytes: 8192 }));
    await waitUntil(() => single.state().status === 'sending');
    single.send(faceFrame(1, 5, 5, 5, rand));
    await waitUntil(() => datagrams.length === 1);
    await single.close();
    expect(datagrams[0].subarray(0, 8).toString('binary')).toBe('#bundle\0');

    datagrams.length = 0;
    const unbundled = track(new VmcOutput({ targets: [{ host: '127.0.0.1', port }], rateHz: 0, bundled: false }));
    await waitUntil(() => unbundled.state().status === 'sending');
    unbundled.send(faceFrame(2, 5, 5, 5, rand));
    await waitUntil(() => datagrams.length === messageCount);
    for (const d of datagrams) expect(d[0]).toBe(0x2f); // '/': a bare message, not a bundle
    expect(datagrams[0].subarray(0, 11).toString('binary')).toBe('/VMC/Ext/OK');
    expect(datagrams.at(-1)!.subarray(0, 20).toString('binary')).toBe('/VMC/Ext/Blend/Apply');
  });

  it('unbundled messages decode the same in oscdump; a frame without a face sends OK with tracking 0 and T', async () => {
    const port = await freePort();
    const dump = track(await OscDump.start(port));
    const out = track(new VmcOutput({ targets: [{ host: '127.0.0.1', port }], rateHz: 0, bundled: false }));
    await waitUntil(() => out.state().status === 'sending');
    out.send(faceFrame(0, -20, 0, 0, makeRandom(5)));
    await dump.waitFor((m) => m.some((x) => x.address === '/VMC/Ext/Blend/Apply'));
    expect(dump.messages.map((m) => m.address).slice(0, 5)).toEqual(['/VMC/Ext/OK', '/VMC/Ext/T', '/VMC/Ext/Root/Pos', '/VMC/Ext/Bone/Pos', '/VMC/Ext/Bone/Pos']);
    dump.messages.length = 0;
    out.send({ source: 'test', frame: 1, timeMs: 9000, width: 640, height: 480, face: null });
    await dump.waitFor((m) => m.length >= 2);
    await sleep(100);
    expect(dump.messages).toEqual([
      { address: '/VMC/Ext/OK', types: 'iiii', values: [1, 3, 0, 0] },
      { address: '/VMC/Ext/T', types: 'f', values: [9] },
    ]);
  });

  it('limits the rate', async () => {
    const port = await freePort();
    const dump = track(await OscDump.start(port));
    // A long period (2 Hz): the burst below would have to stall for 3/4 of it to let a second frame by.
    const periodMs = 500;
    const out = track(new VmcOutput({ targets: [{ host: '127.0.0.1', port }], rateHz: 1000 / periodMs }));
    await waitUntil(() => out.state().status === 'sending');
    // 20 frames offered at once: only the first passes the limit.
    for (let i = 0; i < 20; i++) out.send({ source: 'test', frame: i, timeMs: i, width: 640, height: 480, face: null });
    const burstEnd = performance.now();
    expect(out.state().framesSent).toBe(1);
    // What reached the receiver: a sentinel frame sent once a full period has passed (so the limiter
    // lets it through) arrives after anything the burst put on the wire, so when its T is seen,
    // every OK of the burst has been decoded too, however slow oscdump is.
    while (performance.now() - burstEnd < periodMs) await sleep(periodMs / 4);
    out.send({ source: 'test', frame: 99, timeMs: 9999, width: 640, height: 480, face: null });
    expect(out.state().framesSent).toBe(2);
    const isSentinel = (x: Decoded): boolean => x.address === '/VMC/Ext/T' && Math.abs(Number(x.values[0]) - 9.999) < 1e-3;
    await dump.waitFor((m) => m.some((x) => x.address === '/VMC/Ext/OK') && m.some(isSentinel));
    expect(dump.messages.filter((m) => m.address === '/VMC/Ext/OK')).toHaveLength(2); // the first frame's and the sentinel's
    const times = dump.messages.filter((m) => m.address === '/VMC/Ext/T').map((m) => Number(m.values[0]));
    expect(times).toHaveLength(2);
    expect(times[0]).toBe(0); // frame 0 passed, not a later one of the burst
    expect(times[1]).toBeCloseTo(9.999, 3);
  });

  it('reports no-listener on a port nobody listens on, and recovers when a listener appears', async () => {
    const port = await freePort();
    const out = track(new VmcOutput({ targets: [{ host: '127.0.0.1', port }], rateHz: 0, udp: { refusedHoldMs: 300 } }));
    const rand = makeRandom(9);
    const pump = setInterval(() => out.send(faceFrame(0, 0, 0, 0, rand)), 20);
    cleanups.push(() => clearInterval(pump));
    await waitUntil(() => out.state().status === 'no-listener' && out.state().detail?.includes('nobody') === true);
    expect(out.state().errors).toBeGreaterThan(0);
    const dump = track(await OscDump.start(port));
    await waitUntil(() => out.state().status === 'sending');
    await dump.waitFor((m) => m.some((x) => x.address === '/VMC/Ext/Head' || x.values[0] === 'Head'));
  });

  it('a host that does not resolve gives state error with a one-line detail, never a throw', async () => {
    const out = track(new VmcOutput({ targets: [{ host: 'no-such-host.invalid', port: 39539 }], rateHz: 0, udp: { retryMinMs: 50, retryMaxMs: 100 } }));
    await waitUntil(() => out.state().status === 'error');
    const s = out.state();
    expect(s.detail).toMatch(/no-such-host\.invalid/);
    expect(s.detail).not.toMatch(/\n/);
    expect(() => out.send(faceFrame(0, 0, 0, 0, makeRandom(2)))).not.toThrow();
    // It keeps retrying (each failed lookup counts).
    const before = s.errors;
    await waitUntil(() => out.state().errors > before);
    await out.close();
    await out.close(); // idempotent
    expect(out.state().status).toBe('off');
  });
});
