/**
 * The service in-process (VtlinkService with the real tracker, models, sources and UDP outputs):
 * settings changes applied live, refused patches changing nothing (in memory and on disk).
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsStore } from '../src/config';
import { VtlinkService } from '../src/service/service';
import type { TrackingFrame } from '../src/tracking/types';
import { waitUntil } from './helpers/wait';
import { dataFile } from './service-harness';

let dir: string;
const faceA = dataFile('300w-helen-test-crop/296814969_3.jpg');
const faceB = dataFile('300w-helen-test-crop/2968560214_1.jpg');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vtlink-service-settings-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A UDP receiver counting datagrams, as a VTuber app on the network would receive them. */
async function udpReceiver(): Promise<{ socket: Socket; port: number; datagrams: Buffer[] }> {
  const socket = createSocket('udp4');
  const datagrams: Buffer[] = [];
  socket.on('message', (m) => datagrams.push(m));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, datagrams };
}

describe('VtlinkService settings', () => {
  it('a camera change reopens the source and an output change rebuilds only that output, without a restart', async () => {
    const store = await SettingsStore.open({ stateDir: path.join(dir, 'live') });
    const first = await udpReceiver();
    const second = await udpReceiver();
    const osf = await udpReceiver();
    await store.save({
      ...store.settings,
      camera: { ...store.settings.camera, source: faceA },
      outputs: {
        ...store.settings.outputs,
        vmc: { ...store.settings.outputs.vmc, enabled: true, targets: [{ host: '127.0.0.1', port: first.port }] },
        openSeeFace: { ...store.settings.outputs.openSeeFace, enabled: true, targets: [{ host: '127.0.0.1', port: osf.port }] },
      },
    });
    const service = await VtlinkService.start({ store });
    const frames: TrackingFrame[] = [];
    service.onFrame((f) => frames.push(f));
    try {
      await service.firstFrame;
      await waitUntil(() => first.datagrams.length >= 3 && osf.datagrams.length >= 3, 'VMC and OpenSeeFace datagrams');
      expect(first.datagrams[0].subarray(0, 8).toString('latin1')).toBe('#bundle\0');
      expect(osf.datagrams[0].length).toBe(1785);
      expect(frames.every((f) => f.source === faceA && f.face !== null)).toBe(true);

      // The camera: a new source from the next frames on, same service, frame counter going on.
      const before = service.status().framesProcessed;
      const camera = await service.applySettings({ camera: { source: faceB } });
      expect(camera).toMatchObject({ ok: true, changed: ['camera.source'] });
      await waitUntil(() => frames.length > 0 && frames[frames.length - 1].source === faceB, 'frames from the new source');
      expect(service.status().framesProcessed).toBeGreaterThan(before);
      expect(service.status().camera).toMatchObject({ source: faceB, state: 'running' });

      // The VMC port: datagrams move to the new port; OpenSeeFace keeps going untouched.
      const vmcBefore = service.status().outputs.vmc.framesSent;
      const osfOutput = service.status().outputs.openSeeFace.framesSent;
      const moved = await service.applySettings({ outputs: { vmc: { targets: [{ host: '127.0.0.1', port: second.port }] } } });
      expect(moved).toMatchObject({ ok: true, changed: ['outputs.vmc.targets'] });
      const firstCount = first.datagrams.length;
      await waitUntil(() => second.datagrams.length >= 3, 'VMC datagrams on the new port');
      expect(second.datagrams[0].subarray(0, 8).toString('latin1')).toBe('#bundle\0');
      // A new output object: its counter restarted. The other output's did not.
      expect(service.status().outputs.vmc.framesSent).toBeLessThan(vmcBefore + second.datagrams.length + 1);
      expect(service.status().outputs.openSeeFace.framesSent).toBeGreaterThan(osfOutput);
      // The old socket is closed: nothing more on the first port (allow datagrams already in flight).
      const settled = first.datagrams.length;
      await waitUntil(() => second.datagrams.length >= 10, 'more datagrams on the new port');
      expect(first.datagrams.length).toBe(settled);
      expect(settled - firstCount).toBeLessThan(5);

      // Unbundled mode for receivers that cannot read bundles: plain OSC messages.
      await service.applySettings({ outputs: { vmc: { bundled: false } } });
      const mark = second.datagrams.length;
      await waitUntil(() => second.datagrams.length >= mark + 20, 'unbundled datagrams');
      expect(second.datagrams.slice(mark + 10).every((d) => d.subarray(0, 5).toString('latin1') === '/VMC/')).toBe(true);

      // Turning an output off closes it.
      await service.applySettings({ outputs: { openSeeFace: { enabled: false } } });
      expect(service.status().outputs.openSeeFace.status).toBe('off');

      // The saved file has every change.
      const reopened = await SettingsStore.open({ stateDir: store.dir });
      expect(reopened.settings.camera.source).toBe(faceB);
      expect(reopened.settings.outputs.vmc).toMatchObject({ targets: [{ host: '127.0.0.1', port: second.port }], bundled: false, enabled: true });
      expect(reopened.settings.outputs.openSeeFace.enabled).toBe(false);
    } finally {
      await service.stop();
      for (const r of [first, second, osf]) r.socket.close();
    }
  }, 120_000);

  it('a tracking change builds a new tracker that keeps the saved neutral face; tracking never stops', async () => {
    const store = await SettingsStore.open({ stateDir: path.join(dir, 'tracking') });
    await store.save({ ...store.settings, camera: { ...store.settings.camera, source: faceA } });
    const service = await VtlinkService.start({ store, calibrationFrames: 5 });
    try {
      await service.firstFrame;
      await service.calibrateNeutral();
      const neutral = service.settings().calibration.neutral;
      expect(neutral?.values.length).toBeGreaterThan(0);
      // Calibrated on this very face: it now reads as neutral (eyes not wide, mouth width at mid-range),
      // where the canonical face's neutral reads it as wide-eyed (eyeWide 1) with a wide mouth (0.83).
      let last: TrackingFrame | null = null;
      const off = service.onFrame((f) => (last = f));
      await waitUntil(() => last !== null, 'a frame after calibration');
      const calibrated = (last as TrackingFrame | null)!.face!;
      off();
      expect(calibrated.blendshapes.eyeWideLeft).toBeLessThan(0.05);
      expect(calibrated.mouth.wide).toBeCloseTo(0.5, 1);

      const result = await service.applySettings({ tracking: { detector: 'back', smoothing: { enabled: false } } });
      expect(result.ok).toBe(true);
      const count = service.status().framesProcessed;
      const after: TrackingFrame[] = [];
      service.onFrame((f) => after.push(f));
      await waitUntil(() => after.length >= 5, 'frames from the new tracker');
      expect(service.status().framesProcessed).toBeGreaterThan(count);
      // The new tracker (no smoothing, other detector) had the saved neutral restored, not the canonical one.
      const face = after[after.length - 1].face!;
      expect(face.blendshapes.eyeWideLeft).toBeLessThan(0.05);
      expect(face.mouth.wide).toBeCloseTo(calibrated.mouth.wide, 1);
      expect((await SettingsStore.open({ stateDir: store.dir })).settings.calibration.neutral).toEqual(neutral);
    } finally {
      await service.stop();
    }
  }, 120_000);

  it('an invalid patch is refused with every bad field, and nothing changes in memory or on disk', async () => {
    const store = await SettingsStore.open({ stateDir: path.join(dir, 'refused') });
    await store.save({ ...store.settings, camera: { ...store.settings.camera, source: faceA } });
    const service = await VtlinkService.start({ store });
    try {
      await service.firstFrame;
      const onDisk = await readFile(store.file);
      const before = structuredClone(service.settings());
      const result = await service.applySettings({ camera: { fps: 1000, source: faceB }, outputs: { vmc: { targets: [{ host: '127.0.0.1', port: 'x' }], enabled: true } }, bogus: 1 });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.issues.map((i) => i.path).sort()).toEqual(['bogus', 'camera.fps', 'outputs.vmc.targets.0.port']);
      expect(service.settings()).toEqual(before);
      expect(await readFile(store.file)).toEqual(onDisk);
      // The valid parts of the refused patch were not applied either: same camera, VMC still off.
      const status = service.status();
      expect(status.camera.source).toBe(faceA);
      expect(status.outputs.vmc.status).toBe('off');
      expect(await service.applySettings('not an object')).toMatchObject({ ok: false });
      expect(await service.applySettings(null)).toMatchObject({ ok: false });
    } finally {
      await service.stop();
    }
  }, 120_000);
});
