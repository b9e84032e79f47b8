/**
 * Several targets per network output (VMC, OpenSeeFace, VRChat), over real UDP sockets: beside a host
 * that does not resolve and a port nobody listens on, two receivers each get every frame the output
 * sends, at its rate; the state reports each target and, overall, "sending".
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenSeeFaceOutput } from '../src/outputs/openseeface';
import type { TrackingOutput } from '../src/outputs/output';
import type { UdpDestination } from '../src/outputs/udp-targets';
import { UdpTargets } from '../src/outputs/udp-targets';
import { VmcOutput } from '../src/outputs/vmc';
import { VrChatOutput } from '../src/outputs/vrchat';
import type { TrackingFrame } from '../src/tracking/types';
import { randomFaceFrame } from './helpers/output-test-frame';
import { seededRandom } from './helpers/random';
import { sleep, waitUntil } from './helpers/wait';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function receiver(): Promise<{ port: number; datagrams: Buffer[] }> {
  const sock = dgram.createSocket('udp4');
  const datagrams: Buffer[] = [];
  sock.on('message', (b) => datagrams.push(b));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
  return { port: sock.address().port, datagrams };
}

async function closedPort(): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = sock.address().port;
  await new Promise<void>((r) => sock.close(() => r()));
  return port;
}

/** A refusal counts for a second (the default 1.5 s would do as well). */
const udp = { refusedHoldMs: 1000 };

interface Kind {
  name: string;
  make(targets: UdpDestination[], rateHz: number): TrackingOutput;
  /** Whether a datagram is the one each frame sends exactly once. */
  marksFrame(datagram: Buffer): boolean;
}

const KINDS: Kind[] = [
  { name: 'VMC', make: (targets, rateHz) => new VmcOutput({ targets, rateHz, udp }), marksFrame: (d) => d.includes('/VMC/Ext/T\0') },
  { name: 'OpenSeeFace', make: (targets, rateHz) => new OpenSeeFaceOutput({ targets, rateHz, udp }), marksFrame: (d) => d.length === 1785 },
  // Each test frame moves the jaw, so every frame VRChat sends carries JawOpen.
  { name: 'VRChat', make: (targets, rateHz) => new VrChatOutput({ targets, rateHz, udp }), marksFrame: (d) => d.subarray(0, 33).toString('latin1') === '/avatar/parameters/FT/v2/JawOpen\0' },
];

function frame(rand: () => number, i: number): TrackingFrame {
  const f = randomFaceFrame(rand, i);
  f.face!.blendshapes.jawOpen = (i % 50) / 50;
  return f;
}

describe('several targets per output', () => {
  for (const kind of KINDS) {
    it(`${kind.name}: two receivers get every frame at the rate, beside an unresolvable host and a refused port`, async () => {
      const [a, b] = [await receiver(), await receiver()];
      const targets = [
        { host: 'no-such-host.invalid', port: 9000 },
        { host: '127.0.0.1', port: await closedPort() },
        { host: '127.0.0.1', port: a.port },
        { host: '127.0.0.1', port: b.port },
      ];
      const rateHz = 20;
      const out = kind.make(targets, rateHz);
      cleanups.push(() => out.close());
      await waitUntil(() => out.state().targets?.[2].status === 'sending' && out.state().targets?.[3].status === 'sending', 'the receivers connected');

      // 1.5 s of a 100 Hz source.
      const rand = seededRandom(5);
      const t0 = performance.now();
      for (let i = 0; performance.now() - t0 < 1500; i++) {
        out.send(frame(rand, i));
        await sleep(10);
      }
      const seconds = (performance.now() - t0) / 1000;
      const sent = out.state().framesSent;
      expect(sent).toBeLessThanOrEqual(Math.ceil(rateHz * seconds) + 1);
      expect(sent).toBeGreaterThanOrEqual(Math.floor(rateHz * seconds * 0.6));
      // Every frame that left reached both receivers: the other two targets held up nothing.
      for (const r of [a, b]) await waitUntil(() => r.datagrams.filter(kind.marksFrame).length >= sent, 'every frame at the receiver', 5000);
      await sleep(100);
      expect(a.datagrams.filter(kind.marksFrame)).toHaveLength(sent);
      expect(b.datagrams.filter(kind.marksFrame)).toHaveLength(sent);

      // Each target's own state (frames keep coming, so the refusals stay fresh); the output sends
      // since some targets do.
      let i = 0;
      const pump = setInterval(() => out.send(frame(rand, i++)), 20);
      cleanups.push(() => clearInterval(pump));
      await waitUntil(() => out.state().targets?.[0].status === 'error' && out.state().targets?.[1].status === 'no-listener', 'the lookup to fail and the refusal to be seen');
      const state = out.state();
      clearInterval(pump);
      expect(state.status).toBe('sending');
      const n = state.framesSent;
      expect(state.targets).toEqual([
        { host: 'no-such-host.invalid', port: 9000, status: 'error', detail: expect.stringMatching(/^cannot resolve host "no-such-host\.invalid"/), framesSent: 0 },
        { host: '127.0.0.1', port: targets[1].port, status: 'no-listener', detail: `nobody listens on 127.0.0.1:${targets[1].port} (ICMP port unreachable)`, framesSent: n },
        { host: '127.0.0.1', port: a.port, status: 'sending', framesSent: n },
        { host: '127.0.0.1', port: b.port, status: 'sending', framesSent: n },
      ]);
      expect(state.detail).toMatch(/^2 of 4 targets sending; cannot resolve host "no-such-host\.invalid".*; nobody listens on 127\.0\.0\.1:\d+/);
      expect(state.errors).toBeGreaterThan(0);
    });
  }

  it('the output reports no-listener or error only when no target sends; an output needs a target', async () => {
    const out = new VmcOutput({ targets: [{ host: '127.0.0.1', port: await closedPort() }, { host: 'no-such-host.invalid', port: 1 }], rateHz: 0, udp });
    cleanups.push(() => out.close());
    const rand = seededRandom(9);
    const pump = setInterval(() => out.send(frame(rand, 0)), 20);
    cleanups.push(() => clearInterval(pump));
    await waitUntil(() => out.state().targets?.[0].status === 'no-listener' && out.state().targets?.[1].status === 'error');
    expect(out.state().status).toBe('no-listener');
    expect(out.state().detail).toMatch(/^0 of 2 targets sending/);
    expect(() => new UdpTargets([])).toThrow(/at least one target/);
    await out.close();
    expect(out.state().status).toBe('off');
  });
});
