/**
 * The service in-process against real failures: a camera file missing at start and vanishing
 * mid-run, a settings file corrupted on disk, output targets that cannot be reached.
 */
import { createSocket } from 'node:dgram';
import { copyFile, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsStore } from '../src/config';
import { VtlinkService } from '../src/service/service';
import type { TrackingFrame } from '../src/tracking/types';
import { waitUntil } from './helpers/wait';
import { dataFile } from './service-harness';

let dir: string;
const face = dataFile('300w-helen-test-crop/296814969_3.jpg');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vtlink-service-reliability-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A local port nobody listens on (bound, then released). */
async function closedUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function closedTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('VtlinkService reliability', () => {
  it('a camera missing at start is retried with the reason in the status, and tracked once it appears; the same when it vanishes mid-run', async () => {
    const store = await SettingsStore.open({ stateDir: path.join(dir, 'camera') });
    const camera = path.join(dir, 'camera.jpg');
    await store.save({ ...store.settings, camera: { ...store.settings.camera, source: camera } });
    const service = await VtlinkService.start({ store });
    try {
      await waitUntil(() => service.status().camera.state === 'retrying', 'the camera retry');
      let status = service.status();
      expect(status.state).toBe('camera-retry');
      expect(status.camera.detail).toMatch(/camera\.jpg.*no such file/);
      expect(status.framesProcessed).toBe(0);
      // The retry loop is what READY=1 waits for when the camera is missing at boot.
      await expect(service.ready).resolves.toBe('camera-retry');

      await copyFile(face, camera);
      await service.firstFrame;
      await waitUntil(() => service.status().state === 'tracking', 'tracking after the camera appeared', 20_000);
      status = service.status();
      expect(status.camera).toMatchObject({ state: 'running', source: camera });
      expect(status.camera.detail).toBeUndefined();
      expect(status.faceFound).toBe(true);

      // Gone mid-run (a still is opened again for every frame, so the next open finds it missing).
      await unlink(camera);
      await waitUntil(() => service.status().state === 'camera-retry', 'the retry after the camera vanished');
      const stalled = service.status().framesProcessed;
      await copyFile(face, camera);
      await waitUntil(() => service.status().framesProcessed > stalled + 5 && service.status().state === 'tracking', 'tracking again', 30_000);
    } finally {
      await service.stop();
    }
    expect(service.status().state).toBe('stopping');
  }, 120_000);

  it('a live camera faster than tracking: the status counts the frames it dropped (newest frame first, never a queue)', async () => {
    const store = await SettingsStore.open({ stateDir: path.join(dir, 'live') });
    // 1000 frames a second: no tracker keeps up, so the capture must drop (and count) the rest.
    const source = 'gst:videotestsrc is-live=true pattern=ball ! video/x-raw,format=NV12,width=320,height=240,framerate=1000/1 ! appsink name=vtlink';
    await store.save({ ...store.settings, camera: { ...store.settings.camera, source } });
    const service = await VtlinkService.start({ store });
    try {
      await service.firstFrame;
      await waitUntil(() => service.status().framesProcessed >= 30, '30 frames tracked', 60_000);
      const status = service.status();
      expect(status.camera).toMatchObject({ state: 'running', source, width: 320, height: 240 });
      expect(status.camera.droppedFrames).toBeGreaterThan(0);
    } finally {
      await service.stop();
    }
  }, 120_000);

  it('a settings file corrupted on disk at start: the last good copy is used, and the status says so', async () => {
    const stateDir = path.join(dir, 'corrupt');
    const first = await SettingsStore.open({ stateDir });
    await first.save({ ...first.settings, camera: { ...first.settings.camera, source: face } });
    await first.save({ ...first.settings, outputs: { ...first.settings.outputs, vmc: { ...first.settings.outputs.vmc, targets: [{ host: '127.0.0.1', port: 40000 }] } } });
    // Torn write: half of the file.
    const text = await readFile(first.file, 'utf8');
    await writeFile(first.file, text.slice(0, Math.floor(text.length / 2)));

    const store = await SettingsStore.open({ stateDir });
    const service = await VtlinkService.start({ store });
    try {
      await service.firstFrame;
      const status = service.status();
      expect(status.settingsHealth.status).toBe('recovered');
      expect(status.settingsHealth.detail).toMatch(/settings\.json was unusable .*last good copy/);
      // The last good copy: the camera change is there, the VMC port change (in the torn file) is not.
      expect(service.settings().camera.source).toBe(face);
      expect(service.settings().outputs.vmc.targets).toEqual([{ host: '127.0.0.1', port: 39539 }]);
      expect(status.camera.state).toBe('running');
      // A change still saves: the next start is healthy.
      expect((await service.applySettings({ display: { previewFps: 10 } })).ok).toBe(true);
      expect((await SettingsStore.open({ stateDir })).health.status).toBe('ok');
    } finally {
      await service.stop();
    }
  }, 120_000);

  it('unreachable output targets are reported per output and do not disturb tracking', async () => {
    const store = await SettingsStore.open({ stateDir: path.join(dir, 'unreachable') });
    const o = store.settings.outputs;
    await store.save({
      ...store.settings,
      camera: { ...store.settings.camera, source: face },
      outputs: {
        ...o,
        vmc: { ...o.vmc, enabled: true, targets: [{ host: '127.0.0.1', port: await closedUdpPort() }] },
        openSeeFace: { ...o.openSeeFace, enabled: true, targets: [{ host: 'no-such-host.invalid', port: 11573 }] },
        serial: { ...o.serial, enabled: true, path: path.join(dir, 'ttyNOPE') },
        vtubeStudio: { ...o.vtubeStudio, enabled: true, url: `ws://127.0.0.1:${await closedTcpPort()}` },
      },
    });
    const service = await VtlinkService.start({ store });
    const frames: TrackingFrame[] = [];
    service.onFrame((f) => frames.push(f));
    try {
      await service.firstFrame;
      await waitUntil(() => {
        const s = service.status().outputs;
        return s.vmc.status === 'no-listener' && s.serial.status !== 'sending' && s.vtubeStudio.status !== 'sending' && s.openSeeFace.status !== 'sending';
      }, 'every output to report its unreachable target', 20_000);
      const outputs = service.status().outputs;
      for (const key of ['openSeeFace', 'serial', 'vtubeStudio']) expect(['no-listener', 'error']).toContain(outputs[key].status);
      expect(outputs.serial.detail).toMatch(/ttyNOPE/);
      // Tracking goes on: frames keep coming, every one with the face.
      const seen = frames.length;
      await waitUntil(() => frames.length >= seen + 20, 'frames while the outputs fail', 30_000);
      expect(frames.slice(seen).every((f) => f.face !== null)).toBe(true);
      const status = service.status();
      expect(status.state).toBe('tracking');
      expect(status.fps).toBeGreaterThan(0);
    } finally {
      await service.stop();
    }
  }, 120_000);
});
