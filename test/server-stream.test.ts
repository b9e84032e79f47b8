/**
 * The WebSocket tracking stream over real sockets: the rate and detail each client asks for, the
 * settings' rate cap, refusals, and a client that never reads (its frames are skipped, its memory
 * bounded, and the other clients and the producer carry on).
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../src/server';
import { frameToJsonLine } from '../src/tracking/serialize';
import type { TrackingFrame } from '../src/tracking/types';
import { fullFaceFrame, http, jsonBody, tempDir, TestControl } from './server-helpers';

const MAX_BUFFERED = 256 * 1024;

interface Client {
  ws: WebSocket;
  messages: { type: string; frame?: TrackingFrame; rateHz?: number; detail?: string }[];
}

function open(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const client: Client = { ws, messages: [] };
    ws.on('message', (d) => client.messages.push(JSON.parse(String(d))));
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
  });
}

/** Opening that is expected to fail: the HTTP status and JSON error of the refusal. */
function refused(url: string): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => reject(new Error('accepted')));
    ws.once('error', () => undefined);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: JSON.parse(body).error.code }));
    });
  });
}

async function until(cond: () => boolean, what: string, maxTicks = 2000): Promise<void> {
  for (let i = 0; i < maxTicks; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const roundTrip = (frame: TrackingFrame): TrackingFrame => JSON.parse(frameToJsonLine(frame));

describe('tracking stream (/api/stream)', () => {
  let tmp: { dir: string; remove: () => Promise<void> };
  let control: TestControl;
  let server: RunningServer;
  let ws: string;

  beforeAll(async () => {
    tmp = await tempDir('vtlink-stream-');
    control = await TestControl.open(path.join(tmp.dir, 'state'));
    server = await startServer(control, { port: 0, bind: '127.0.0.1', stateDir: path.join(tmp.dir, 'state'), log: () => undefined, limits: { streamMaxBufferedBytes: MAX_BUFFERED } });
    ws = `ws://127.0.0.1:${server.port}/api/stream`;
  });
  afterAll(async () => {
    await server.close();
    await tmp.remove();
  });

  it('each detail level carries exactly its fields, with the frame’s values', async () => {
    const clients = await Promise.all(['none', 'pose', 'landmarks68', 'full'].map((d) => open(`${ws}?detail=${d}&rate=60`)));
    await until(() => clients.every((c) => c.messages.length === 1), 'hello');
    for (const [i, d] of ['none', 'pose', 'landmarks68', 'full'].entries()) expect(clients[i].messages[0]).toMatchObject({ type: 'hello', detail: d, rateHz: 60 });
    const frame = fullFaceFrame(7);
    control.emit(frame);
    await until(() => clients.every((c) => c.messages.length === 2), 'frame');
    const [none, pose, l68, full] = clients.map((c) => c.messages[1].frame!);
    const expected = roundTrip(frame);
    expect(full).toEqual(expected);
    expect(full.face!.landmarks).toHaveLength(468);
    const { landmarks, iris, landmarks68, ...features } = expected.face!;
    expect(none.face).toEqual(features);
    expect(pose.face).toEqual({ ...features, iris });
    expect(l68.face).toEqual({ ...features, iris, landmarks68 });
    expect(pose.face!.iris).toHaveLength(10);
    expect(l68.face!.landmarks68).toHaveLength(68);
    expect(landmarks).toHaveLength(468);
    expect(none).toMatchObject({ source: frame.source, frame: 7, width: 640, height: 480 });
    // No face: the same frame envelope with face null at every level (a period later: 60 Hz).
    await new Promise((r) => setTimeout(r, 20));
    control.emit({ ...frame, frame: 8, timeMs: frame.timeMs + 100, face: null });
    await until(() => clients.every((c) => c.messages.length === 3), 'no-face frame');
    for (const c of clients) expect(c.messages[2].frame!.face).toBeNull();
    for (const c of clients) c.ws.close();
    await until(() => control.listenerCount === 0, 'unsubscribe when the last client leaves');
  });

  it('frames arrive at the asked rate, on the clock of their arrival (a 60 Hz source, 10 and 30 Hz clients)', async () => {
    const slow = await open(`${ws}?rate=10&detail=none`);
    const fast = await open(`${ws}?rate=30&detail=pose`);
    // 3 s of a 60 Hz source in real time. Its timestamps are those of a file looping every half
    // second: the limit must not read them (a looped file or a folder of stills starts them over).
    const t0 = performance.now();
    for (let i = 0; performance.now() - t0 < 3000; i++) {
      control.emit(fullFaceFrame(i, (i % 30) * (1000 / 60)));
      await new Promise((r) => setTimeout(r, 1000 / 60));
    }
    const seconds = (performance.now() - t0) / 1000;
    const stats = server.streamClients();
    await until(() => slow.messages.length - 1 === stats.find((s) => s.rateHz === 10)!.sent && fast.messages.length - 1 === stats.find((s) => s.rateHz === 30)!.sent, 'delivery');
    for (const [client, rate] of [[slow, 10], [fast, 30]] as const) {
      const frames = client.messages.slice(1).map((m) => m.frame!);
      // Never above the rate; close to it (timers on a busy machine make the source a little slower
      // than 60 Hz, so the 30 Hz client may get a few less).
      expect(frames.length).toBeLessThanOrEqual(Math.ceil(rate * seconds) + 1);
      expect(frames.length).toBeGreaterThanOrEqual(Math.floor(rate * seconds * 0.6));
    }
    slow.ws.close();
    fast.ws.close();
  });

  it('stills (a folder shown as a camera: timestamps that repeat and start over) keep coming at the asked rate', async () => {
    const client = await open(`${ws}?rate=10&detail=none`);
    // 48 stills 25 ms apart (1.2 s), a folder of two: times 0, 33, 0, 33... At 10 Hz at least 10 go
    // (found by a user trying --source DIR: one frame, then nothing, because the source clock never
    // moved), and no more than the rate allows.
    const t0 = performance.now();
    for (let i = 0; i < 48; i++) {
      control.emit(fullFaceFrame(i % 2, (i % 2) * (1000 / 30)));
      await new Promise((r) => setTimeout(r, 25));
    }
    const seconds = (performance.now() - t0) / 1000;
    const sent = server.streamClients().find((s) => s.rateHz === 10)!.sent;
    await until(() => client.messages.length - 1 === sent, 'delivery');
    expect(sent).toBeGreaterThanOrEqual(10);
    expect(sent).toBeLessThanOrEqual(Math.ceil(10 * seconds) + 1);
    client.ws.close();
    await until(() => server.streamClients().length === 0, 'client gone');
  });

  it('the settings cap the rate; bad parameters and paths are refused with JSON errors', async () => {
    await http(`http://127.0.0.1:${server.port}/api/settings`, { method: 'PATCH', ...jsonBody({ outputs: { websocket: { maxRateHz: 5 } } }) });
    const capped = await open(`${ws}?rate=60`);
    await until(() => capped.messages.length === 1, 'hello');
    expect(capped.messages[0].rateHz).toBe(5);
    capped.ws.close();
    await http(`http://127.0.0.1:${server.port}/api/settings`, { method: 'PATCH', ...jsonBody({ outputs: { websocket: { maxRateHz: null } } }) });
    expect(await refused(`${ws}?rate=0`)).toEqual({ status: 400, code: 'bad-rate' });
    expect(await refused(`${ws}?rate=2.5`)).toEqual({ status: 400, code: 'bad-rate' });
    expect(await refused(`${ws}?detail=everything`)).toEqual({ status: 400, code: 'bad-detail' });
    expect(await refused(`ws://127.0.0.1:${server.port}/api/other`)).toEqual({ status: 404, code: 'not-found' });
  });

  it('a client that never reads has frames skipped with bounded memory; the others and the producer carry on', async () => {
    await http(`http://127.0.0.1:${server.port}/api/settings`, { method: 'PATCH', ...jsonBody({ outputs: { websocket: { maxRateHz: 120 } } }) });
    // The slow client: a real WebSocket handshake, then the socket is never read again.
    const slow = connect({ host: '127.0.0.1', port: server.port });
    slow.on('error', () => undefined);
    await new Promise((r) => slow.once('connect', r));
    slow.write(
      `GET /api/stream?rate=120&detail=full HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await new Promise((r) => slow.once('data', r));
    slow.pause();
    const fast = await open(`${ws}?rate=120&detail=full`);
    await until(() => server.streamClients().length === 2, 'two clients');

    let i = 0;
    let maxSlowBuffered = 0;
    // Emit at 120 Hz (as a tracker would, a frame at a time) until the slow client is skipped.
    const t0 = performance.now();
    while (server.streamClients()[0].skipped < 50 && performance.now() - t0 < 60_000) {
      control.emit(fullFaceFrame(i % 50, i * (1000 / 120)));
      i++;
      maxSlowBuffered = Math.max(maxSlowBuffered, server.streamClients()[0].bufferedBytes);
      await new Promise((r) => setTimeout(r, 1000 / 120));
    }
    // Clients are listed in connection order: the slow one first.
    const [slowNow, fastNow] = server.streamClients();
    expect(slowNow.rateHz).toBe(120);
    expect(slowNow.skipped).toBeGreaterThanOrEqual(50);
    // Unsent data stays within the bound plus the one message that crossed it.
    expect(maxSlowBuffered).toBeLessThanOrEqual(MAX_BUFFERED + 64 * 1024);
    // The reading client got (nearly) every frame, and all that were sent to it arrive.
    expect(fastNow.sent).toBeGreaterThanOrEqual(i * 0.95);
    await until(() => fast.messages.length - 1 === fastNow.sent, 'the fast client to receive everything');
    expect(server.stats().stream.framesSkipped).toBeGreaterThanOrEqual(slowNow.skipped);
    slow.destroy();
    fast.ws.close();
    await until(() => server.streamClients().length === 0, 'clients gone');
  });
});
