/**
 * A folder of still images as the camera, the way a new user tries the box (`--source DIR`): the real
 * service tracks the stills, the real server streams them, and a WebSocket client at ?rate=10 keeps
 * getting frames for as long as it listens (it used to get one and then nothing: the stills' clock
 * never advances past its first pass).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SettingsStore } from '../src/config';
import { startServer, type RunningServer } from '../src/server';
import { VtlinkService } from '../src/service/service';
import type { TrackingFrame } from '../src/tracking/types';
import { tempDir } from './server-helpers';
import { dataFile } from './service-harness';

const STILLS = ['300w-helen-test-crop/296814969_3.jpg', '300w-helen-test-crop/2968560214_1.jpg'];

describe('tracking stream with a folder of stills as the camera', () => {
  let tmp: { dir: string; remove: () => Promise<void> };
  let service: VtlinkService;
  let server: RunningServer;
  let folder: string;

  beforeAll(async () => {
    tmp = await tempDir('vtlink-stills-');
    folder = path.join(tmp.dir, 'stills');
    await mkdir(folder);
    for (const [i, still] of STILLS.entries()) await copyFile(dataFile(still), path.join(folder, `${i + 1}.jpg`));
    const store = await SettingsStore.open({ stateDir: path.join(tmp.dir, 'state') });
    await store.save({ ...store.settings, camera: { ...store.settings.camera, source: folder } });
    service = await VtlinkService.start({ store });
    server = await startServer(service, { port: 0, bind: '127.0.0.1', stateDir: store.dir, log: () => undefined });
    await service.firstFrame;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await service?.stop();
    await tmp?.remove();
  });

  it('keeps streaming at the asked rate for as long as the client listens', { timeout: 60_000 }, async () => {
    const frames: TrackingFrame[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/stream?rate=10&detail=none`);
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { type: string; frame?: TrackingFrame };
      if (m.type === 'frame') frames.push(m.frame!);
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const tracked0 = service.status().framesProcessed;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 4000));
    const seconds = (performance.now() - t0) / 1000;
    const trackedPerSecond = (service.status().framesProcessed - tracked0) / seconds;
    ws.close();
    // The stream follows the tracker up to the asked 10 Hz: at least half that in every case (the
    // tracker on a busy machine may be slower than 10 fps), never more than the rate allows.
    const expected = Math.min(10, trackedPerSecond) * seconds;
    console.log(`stills: ${frames.length} frames streamed in ${seconds.toFixed(1)} s at ?rate=10; tracking ${trackedPerSecond.toFixed(1)} fps`);
    expect(trackedPerSecond).toBeGreaterThan(1);
    expect(frames.length).toBeGreaterThanOrEqual(Math.floor(expected * 0.5));
    expect(frames.length).toBeLessThanOrEqual(Math.ceil(10 * seconds) + 1);
    // Frames from both stills of the folder, with a face, in the order they were tracked.
    expect(new Set(frames.map((f) => path.basename(f.source)))).toEqual(new Set(['1.jpg', '2.jpg']));
    expect(frames.every((f) => f.face !== null)).toBe(true);
    // Seconds of frames, not one: the last arrives well after the first.
    expect(frames.length).toBeGreaterThan(4);
  });
});
