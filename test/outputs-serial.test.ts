/**
 * The serial output through a real pseudo-terminal pair (socat): the output writes to one end, the
 * test reads the other end with plain node tty/fs, splits on 0x00, COBS-decodes with its own byte
 * loop, checks the CRC with its own bitwise CRC-16/CCITT-FALSE, parses the documented layout and
 * compares with the frames sent. Then the pty vanishes (socat killed) and comes back.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, constants as fsConstants } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ReadStream } from 'node:tty';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cobsEncode, cobsMaxEncodedLength } from '../src/outputs/serial/cobs';
import { crc16CcittFalse } from '../src/outputs/serial/crc16';
import { SERIAL_BLENDSHAPE_ORDER, SerialOutput } from '../src/outputs/serial';
import type { TrackingFrame } from '../src/tracking/types';
import { noFaceFrame, randomFaceFrame } from './helpers/output-test-frame';
import { seededRandom } from './helpers/random';
import { waitUntil } from './helpers/wait';

// ---------------------------------------------------------------------------------------------
// Independent references

/** COBS decoding, the plain way: code byte, copy code-1 bytes, a zero unless code is 0xFF or at the end. */
function cobsDecode(encoded: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < encoded.length) {
    const code = encoded[i++];
    if (code === 0) throw new Error('zero byte inside a COBS frame');
    for (let k = 1; k < code; k++) {
      if (i >= encoded.length) throw new Error('COBS block runs past the end');
      out.push(encoded[i++]);
    }
    if (code !== 0xff && i < encoded.length) out.push(0);
  }
  return Uint8Array.from(out);
}

/** CRC-16/CCITT-FALSE bit by bit (poly 0x1021, init 0xFFFF, no reflection, no final XOR). */
function crcBitwise(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

interface DecodedMessage {
  type: number;
  seq: number;
  timeMs: number;
  face?: {
    yaw: number;
    pitch: number;
    roll: number;
    t: number[];
    gaze: number[];
    eyes: number[];
    mouth: number[];
    vowels: number[];
    brows: number[];
    blendshapes: number[];
  };
}

/** Parses one de-framed message by the layout documented in src/outputs/serial.ts. */
function parseMessage(msg: Uint8Array): DecodedMessage {
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const body = msg.subarray(0, msg.length - 2);
  expect(dv.getUint16(msg.length - 2, true), 'CRC').toBe(crcBitwise(body));
  expect(msg[0], 'magic').toBe(0x56);
  expect(msg[1], 'version').toBe(1);
  const out: DecodedMessage = { type: msg[2], seq: dv.getUint16(3, true), timeMs: dv.getUint32(5, true) };
  if (out.type === 0x02) {
    expect(msg.length).toBe(11);
    return out;
  }
  expect(out.type).toBe(0x01);
  const i16 = (o: number): number => dv.getInt16(o, true);
  const u16 = (o: number): number => dv.getUint16(o, true) / 65535;
  const n = msg[51];
  expect(msg.length).toBe(52 + 2 * n + 2);
  out.face = {
    yaw: i16(9) / 100,
    pitch: i16(11) / 100,
    roll: i16(13) / 100,
    t: [i16(15), i16(17), i16(19)],
    gaze: [i16(21) / 100, i16(23) / 100, i16(25) / 100, i16(27) / 100],
    eyes: [u16(29), u16(31)],
    mouth: [u16(33), u16(35)],
    vowels: [37, 39, 41, 43, 45].map(u16),
    brows: [u16(47), u16(49)],
    blendshapes: Array.from({ length: n }, (_, k) => u16(52 + 2 * k)),
  };
  return out;
}

function expectMessageMatches(msg: DecodedMessage, frame: TrackingFrame, seq: number): void {
  expect(msg.seq).toBe(seq);
  expect(msg.timeMs).toBe(Math.round(frame.timeMs));
  const f = frame.face;
  if (!f) {
    expect(msg.type).toBe(0x02);
    return;
  }
  const d = msg.face!;
  const clampDeg = (v: number): number => Math.max(-327.68, Math.min(327.67, v));
  expect(d.yaw).toBeCloseTo(clampDeg(f.pose.yaw), 2);
  expect(d.pitch).toBeCloseTo(clampDeg(f.pose.pitch), 2);
  expect(d.roll).toBeCloseTo(clampDeg(f.pose.roll), 2);
  f.pose.translationMm.forEach((v, k) => expect(Math.abs(d.t[k] - v)).toBeLessThanOrEqual(0.5));
  [f.gaze.left.yaw, f.gaze.left.pitch, f.gaze.right.yaw, f.gaze.right.pitch].forEach((v, k) => expect(d.gaze[k]).toBeCloseTo(v, 2));
  const q = 0.5 / 65535 + 1e-9;
  const near01 = (got: number, want: number): void => expect(Math.abs(got - Math.min(1, Math.max(0, want)))).toBeLessThanOrEqual(q);
  near01(d.eyes[0], f.eyes.left);
  near01(d.eyes[1], f.eyes.right);
  near01(d.mouth[0], f.mouth.open);
  near01(d.mouth[1], f.mouth.wide);
  const v = f.mouth.vowels;
  [v.a, v.i, v.u, v.e, v.o].forEach((w, k) => near01(d.vowels[k], w));
  near01(d.brows[0], f.brows.left);
  near01(d.brows[1], f.brows.right);
  expect(d.blendshapes.length).toBe(52);
  SERIAL_BLENDSHAPE_ORDER.forEach((name, k) => near01(d.blendshapes[k], f.blendshapes[name] ?? 0));
}

// ---------------------------------------------------------------------------------------------
// A socat pty pair and a reader on its far end

const dir = mkdtempSync(path.join(tmpdir(), 'vtlink-serial-'));
const NEAR = path.join(dir, 'near'); // the output's end
const FAR = path.join(dir, 'far'); // the test's end

async function startSocat(): Promise<ChildProcess> {
  const child = spawn('socat', [`pty,raw,echo=0,link=${NEAR}`, `pty,raw,echo=0,link=${FAR}`], { stdio: 'ignore' });
  child.on('error', (err) => {
    throw new Error(`socat could not start (Debian package socat): ${err.message}`);
  });
  await waitUntil(() => existsSync(NEAR) && existsSync(FAR), 'socat links');
  return child;
}

async function stopSocat(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Reads the far end, splitting the byte stream on 0x00 (binary) or on "\n" (JSON lines). */
class FarEnd {
  private readonly stream: ReadStream;
  private buffer: number[] = [];
  readonly messages: Uint8Array[] = [];

  constructor(private readonly delimiter: number) {
    const fd = openSync(FAR, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
    this.stream = new ReadStream(fd);
    this.stream.on('data', (chunk: Buffer) => {
      for (const byte of chunk) {
        if (byte === this.delimiter) {
          this.messages.push(Uint8Array.from(this.buffer));
          this.buffer = [];
        } else this.buffer.push(byte);
      }
    });
    this.stream.on('error', () => undefined); // the pty going away mid-test is expected
  }

  async next(count = 1): Promise<Uint8Array[]> {
    const want = this.messages.length + count;
    await waitUntil(() => this.messages.length >= want, `${count} message(s) on the far end`);
    return this.messages.slice(want - count, want);
  }

  close(): void {
    this.stream.destroy();
  }
}

let socat: ChildProcess | null = null;
let far: FarEnd | null = null;
let output: SerialOutput | null = null;

afterEach(async () => {
  await output?.close();
  output = null;
  far?.close();
  far = null;
  if (socat) await stopSocat(socat);
  socat = null;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------

describe('CRC-16/CCITT-FALSE', () => {
  it('has the catalogue check value', () => {
    expect(crc16CcittFalse(new TextEncoder().encode('123456789'))).toBe(0x29b1);
    expect(crcBitwise(new TextEncoder().encode('123456789'))).toBe(0x29b1);
  });

  it('matches the bitwise reference on random data and sub-ranges', () => {
    const rand = seededRandom(16);
    for (let n = 0; n < 300; n += 7) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
      expect(crc16CcittFalse(bytes)).toBe(crcBitwise(bytes));
      const a = Math.floor(n / 3);
      expect(crc16CcittFalse(bytes, a, n - 1 > a ? n - 1 : a)).toBe(crcBitwise(bytes.subarray(a, n - 1 > a ? n - 1 : a)));
    }
  });
});

describe('COBS encoder', () => {
  const encode = (bytes: number[] | Uint8Array): number[] => {
    const src = Uint8Array.from(bytes);
    const dst = new Uint8Array(cobsMaxEncodedLength(src.length));
    return Array.from(dst.subarray(0, cobsEncode(src, src.length, dst)));
  };
  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, k) => from + k);

  it('encodes the published examples (Cheshire & Baker; the usual table of test vectors)', () => {
    expect(encode([])).toEqual([0x01]);
    expect(encode([0x00])).toEqual([0x01, 0x01]);
    expect(encode([0x00, 0x00])).toEqual([0x01, 0x01, 0x01]);
    expect(encode([0x00, 0x11, 0x00])).toEqual([0x01, 0x02, 0x11, 0x01]);
    expect(encode([0x11, 0x22, 0x00, 0x33])).toEqual([0x03, 0x11, 0x22, 0x02, 0x33]);
    expect(encode([0x11, 0x22, 0x33, 0x44])).toEqual([0x05, 0x11, 0x22, 0x33, 0x44]);
    expect(encode([0x11, 0x00, 0x00, 0x00])).toEqual([0x02, 0x11, 0x01, 0x01, 0x01]);
  });

  it('handles 254- and 255-byte runs without and with zeros', () => {
    expect(encode(range(0x01, 0xfe))).toEqual([0xff, ...range(0x01, 0xfe)]);
    expect(encode(range(0x00, 0xfe))).toEqual([0x01, 0xff, ...range(0x01, 0xfe)]);
    expect(encode(range(0x01, 0xff))).toEqual([0xff, ...range(0x01, 0xfe), 0x02, 0xff]);
    expect(encode([...range(0x02, 0xff), 0x00])).toEqual([0xff, ...range(0x02, 0xff), 0x01, 0x01]);
    expect(encode([...range(0x03, 0xff), 0x00, 0x01])).toEqual([0xfe, ...range(0x03, 0xff), 0x02, 0x01]);
  });

  it('round-trips random data of every shape through the independent decoder, with no zero byte out', () => {
    const rand = seededRandom(7);
    for (let trial = 0; trial < 400; trial++) {
      const n = Math.floor(rand() * 800);
      const zeroShare = [0, 0.01, 0.5, 1][trial % 4];
      const src = Uint8Array.from({ length: n }, () => (rand() < zeroShare ? 0 : 1 + Math.floor(rand() * 255)));
      const enc = Uint8Array.from(encode(src));
      expect(enc.length).toBeLessThanOrEqual(cobsMaxEncodedLength(n));
      expect(enc.includes(0)).toBe(false);
      expect(Array.from(cobsDecode(enc))).toEqual(Array.from(src));
    }
  });
});

describe('serial output through a socat pty pair', () => {
  beforeAll(() => {
    // Fails loudly if socat is missing rather than skipping.
    expect(existsSync('/usr/bin/socat'), 'socat (Debian package) is required').toBe(true);
  });

  it('sends binary frames that de-frame, pass the CRC and carry the frames sent', async () => {
    socat = await startSocat();
    far = new FarEnd(0x00);
    output = new SerialOutput({ path: NEAR, baudRate: 115200, format: 'binary', rateHz: 1000 });
    await waitUntil(() => output!.state().status === 'sending', 'sending');

    const rand = seededRandom(42);
    const frames: TrackingFrame[] = [];
    for (let k = 0; k < 24; k++) frames.push(k % 6 === 5 ? noFaceFrame(k) : randomFaceFrame(rand, k));
    // Out-of-range values: saturate and clamp rather than wrap.
    const extreme = randomFaceFrame(rand, 24);
    extreme.face!.pose.yaw = 400;
    extreme.face!.pose.translationMm = [40_000, -40_000, Number.NaN];
    extreme.face!.eyes = { left: -0.5, right: 1.7 };
    frames.push(extreme);

    for (let k = 0; k < frames.length; k++) {
      output.send(frames[k]); // one at a time, so none is coalesced away
      const [wire] = await far.next();
      const msg = parseMessage(cobsDecode(wire));
      if (k === frames.length - 1) {
        expect(msg.face!.yaw).toBeCloseTo(327.67, 2);
        expect(msg.face!.t).toEqual([32767, -32768, 0]);
        expect(msg.face!.eyes).toEqual([0, 1]);
        continue;
      }
      expectMessageMatches(msg, frames[k], k);
    }
    expect(output.state()).toMatchObject({ status: 'sending', framesSent: frames.length, errors: 0 });
  });

  it('coalesces a burst to the rate, ending with the latest frame', async () => {
    socat = await startSocat();
    far = new FarEnd(0x00);
    output = new SerialOutput({ path: NEAR, format: 'binary', rateHz: 10 });
    await waitUntil(() => output!.state().status === 'sending', 'sending');
    const rand = seededRandom(5);
    const frames = Array.from({ length: 40 }, (_, k) => randomFaceFrame(rand, k));
    for (const f of frames) output.send(f);
    await waitUntil(() => far!.messages.length >= 2, 'the burst to drain');
    await new Promise((r) => setTimeout(r, 400)); // longer than a period at 10 Hz: nothing more is due
    const received = far.messages.map((w) => parseMessage(cobsDecode(w)));
    expect(received.length).toBe(2); // the first frame at once, then only the latest
    expectMessageMatches(received[0], frames[0], 0);
    expectMessageMatches(received[1], frames[39], 1);
  });

  it('sends JSON lines with the key numbers', async () => {
    socat = await startSocat();
    far = new FarEnd(0x0a);
    output = new SerialOutput({ path: NEAR, format: 'jsonl', rateHz: 1000, jsonBlendshapes: true });
    await waitUntil(() => output!.state().status === 'sending', 'sending');
    const rand = seededRandom(3);
    const frames = [randomFaceFrame(rand, 0), noFaceFrame(1), randomFaceFrame(rand, 2)];
    for (let k = 0; k < frames.length; k++) {
      output.send(frames[k]);
      const [line] = await far.next();
      const obj = JSON.parse(new TextDecoder().decode(line)) as Record<string, unknown>;
      const frame = frames[k];
      expect(obj).toMatchObject({ v: 1, seq: k, t: Math.round(frame.timeMs), face: frame.face !== null });
      const f = frame.face;
      if (!f) {
        expect(Object.keys(obj).sort()).toEqual(['face', 'seq', 't', 'v']);
        continue;
      }
      expect(obj.yaw as number).toBeCloseTo(f.pose.yaw, 2);
      expect(obj.pitch as number).toBeCloseTo(f.pose.pitch, 2);
      expect(obj.roll as number).toBeCloseTo(f.pose.roll, 2);
      expect(obj.z as number).toBeCloseTo(f.pose.translationMm[2], 1);
      expect(obj.gaze as number[]).toHaveLength(4);
      expect((obj.gaze as number[])[2]).toBeCloseTo(f.gaze.right.yaw, 2);
      expect(obj.eyeL as number).toBeCloseTo(f.eyes.left, 3);
      expect(obj.mouth as number).toBeCloseTo(f.mouth.open, 3);
      expect((obj.vowels as number[])[4]).toBeCloseTo(f.mouth.vowels.o, 3);
      expect(obj.browR as number).toBeCloseTo(f.brows.right, 3);
      expect((obj.bs as Record<string, number>).jawOpen).toBeCloseTo(f.blendshapes.jawOpen, 3);
      expect(obj).not.toHaveProperty('landmarks');
    }
  });

  it('survives the port vanishing and resumes on the same path when it comes back', async () => {
    socat = await startSocat();
    far = new FarEnd(0x00);
    output = new SerialOutput({ path: NEAR, format: 'binary', rateHz: 1000, backoff: { initialMs: 100, maxMs: 400 } });
    await waitUntil(() => output!.state().status === 'sending', 'sending');
    const rand = seededRandom(11);
    output.send(randomFaceFrame(rand, 0));
    await far.next();

    // The device goes away: socat (which holds both pty masters) dies.
    far.close();
    far = null;
    await stopSocat(socat);
    socat = null;
    await waitUntil(() => output!.state().status === 'no-listener', 'no-listener');
    expect(output.state().detail).toMatch(/retrying/);
    for (let k = 1; k < 20; k++) expect(() => output!.send(randomFaceFrame(rand, k))).not.toThrow();
    await new Promise((r) => setTimeout(r, 300)); // a few retries against the absent path
    expect(output.state().status).toBe('no-listener');

    // It comes back on the same link path: the output reopens it by itself.
    socat = await startSocat();
    far = new FarEnd(0x00);
    await waitUntil(() => output!.state().status === 'sending', 'sending again');
    const after = randomFaceFrame(rand, 100);
    output.send(after);
    const [wire] = await far.next();
    const msg = parseMessage(cobsDecode(wire));
    expectMessageMatches(msg, after, msg.seq);
    expect(msg.seq).toBeGreaterThanOrEqual(1);
  });

  it('reports an absent path as no-listener and close() is idempotent', async () => {
    output = new SerialOutput({ path: path.join(dir, 'never'), backoff: { initialMs: 50, maxMs: 100 } });
    output.send(noFaceFrame(0));
    await waitUntil(() => /absent; retrying/.test(output!.state().detail ?? ''), 'a retry');
    expect(output.state()).toMatchObject({ status: 'no-listener', framesSent: 0 });
    await output.close();
    await output.close();
    expect(output.state().status).toBe('off');
    output.send(noFaceFrame(1));
  });
});
