/**
 * The rest of ServiceControl on the real service: the UI preview (decoded by jpeg-js and compared
 * with the source photo), frame listeners, devices, and calibration refusing to run twice at once.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsStore } from '../src/config';
import { VtlinkService } from '../src/service/service';
import { dataFile } from './service-harness';

let dir: string;
const face = dataFile('300w-helen-test-crop/296814969_3.jpg');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vtlink-service-control-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function meanRgb(data: Uint8Array, channels: number): number[] {
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += channels) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
  const n = data.length / channels;
  return sum.map((s) => s / n);
}

describe('VtlinkService control', () => {
  it('previewJpeg: the current frame, downscaled, as a JPEG that decodes to the same picture', async () => {
    const store = await SettingsStore.open({ stateDir: path.join(dir, 'preview') });
    await store.save({ ...store.settings, camera: { ...store.settings.camera, source: face } });
    const service = await VtlinkService.start({ store });
    try {
      expect(await service.previewJpeg(160)).toBeNull(); // nothing tracked yet
      await service.firstFrame;
      const bytes = await service.previewJpeg(160);
      expect(bytes).not.toBeNull();
      const preview = jpeg.decode(bytes!, { useTArray: true });
      const original = jpeg.decode(await readFile(face), { useTArray: true });
      expect(preview.width).toBe(160);
      expect(preview.height).toBe(Math.round((original.height * 160) / original.width));
      const a = meanRgb(preview.data, 4);
      const b = meanRgb(original.data, 4);
      for (let c = 0; c < 3; c++) expect(Math.abs(a[c] - b[c])).toBeLessThan(4);
      // Never enlarged.
      const full = jpeg.decode((await service.previewJpeg(10_000))!, { useTArray: true });
      expect(full.width).toBe(original.width);

      // Listeners: each gets the frames; a throwing one does not stop the others or tracking.
      let good = 0;
      service.onFrame(() => {
        throw new Error('a broken listener');
      });
      const off = service.onFrame(() => good++);
      const start = service.status().framesProcessed;
      while (good < 5) await new Promise((r) => setTimeout(r, 50));
      off();
      const stopped = good;
      const count = service.status().framesProcessed;
      while (service.status().framesProcessed < count + 5) await new Promise((r) => setTimeout(r, 50));
      expect(good).toBe(stopped);
      expect(service.status().framesProcessed).toBeGreaterThan(start);

      const devices = await service.devices();
      expect(devices[0]).toMatchObject({ source: 'demo' });
      for (const d of devices.slice(1)) expect(d.source).toMatch(/^v4l2:\/dev\//);

      const first = service.calibrateNeutral();
      await expect(service.calibrateNeutral()).rejects.toThrow(/already running/);
      await first;
      expect(service.settings().calibration.neutral).not.toBeNull();
    } finally {
      await service.stop();
    }
    expect(await service.previewJpeg(160)).toBeNull();
  }, 120_000);
});
