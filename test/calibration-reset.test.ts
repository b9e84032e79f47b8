/**
 * Calibration reset and tracking.autoCalibration through the real server in front of the real service
 * (VtlinkService: models, tracker, a still photo as the camera): POST /api/calibration/reset clears the
 * saved neutral on disk and the running tracker forgets what it held; bad requests change nothing; the
 * automatic calibration switch reaches the running tracker without a rebuild and refuses non-booleans.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS_FILE, SettingsSchema, SettingsStore, type Settings } from '../src/config';
import { startServer, type RunningServer } from '../src/server';
import { VtlinkService } from '../src/service/service';
import type { FaceTracker } from '../src/tracking/tracker';
import type { TrackingFrame } from '../src/tracking/types';
import { dataFile } from './service-harness';
import { errorOf, http, jsonBody, RemoteHost, tempDir } from './server-helpers';
import { waitUntil } from './helpers/wait';

const face = dataFile('300w-helen-test-crop/296814969_3.jpg');

let tmp: { dir: string; remove: () => Promise<void> };
let store: SettingsStore;
let service: VtlinkService;
let server: RunningServer;
let base: string;

/** The tracker tracking now (the service keeps it to itself; the test looks inside). */
const trackerOf = (s: VtlinkService): FaceTracker => (s as unknown as { pipeline: { currentTracker: FaceTracker } }).pipeline.currentTracker;

/** settings.json as it is on disk now: `{version, settings}`, the settings written as their changes from the defaults. */
async function fileOnDisk(): Promise<{ version: number; settings: Record<string, Record<string, unknown> | undefined> }> {
  return JSON.parse(await readFile(path.join(store.dir, SETTINGS_FILE), 'utf8')) as { version: number; settings: Record<string, Record<string, unknown> | undefined> };
}

/** The settings that file holds (defaults filled in). */
async function onDisk(): Promise<Settings> {
  return SettingsSchema.parse((await fileOnDisk()).settings);
}

/** The `n`-th frame with a face tracked from now on (the first ones may have been in flight already). */
function nthFrameFromNow(n: number): Promise<TrackingFrame> {
  return new Promise((resolve) => {
    let seen = 0;
    const off = service.onFrame((f) => {
      if (f.face && ++seen === n) {
        off();
        resolve(f);
      }
    });
  });
}

beforeAll(async () => {
  tmp = await tempDir('vtlink-calibration-reset-');
  store = await SettingsStore.open({ stateDir: path.join(tmp.dir, 'state') });
  await store.save({ ...store.settings, camera: { ...store.settings.camera, source: face } });
  service = await VtlinkService.start({ store, calibrationFrames: 5 });
  server = await startServer(service, { port: 0, bind: '0.0.0.0', stateDir: store.dir, log: (l) => process.stderr.write(`${l}\n`) });
  base = `http://127.0.0.1:${server.port}`;
  await service.firstFrame;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await service?.stop();
  await tmp?.remove();
});

describe('POST /api/calibration/reset', () => {
  it('clears the saved neutral on disk, answers the cleared calibration, and the tracker reads the face against the default again', { timeout: 60_000 }, async () => {
    const cal = await http(`${base}/api/calibrate-neutral`, { method: 'POST' });
    expect(cal.status).toBe(200);
    expect((await onDisk()).calibration.neutral?.values.length).toBeGreaterThan(0);
    // Calibrated on this very face, it reads as neutral; against the canonical face it reads wide-eyed
    // (see service-settings.test.ts), so the two readings tell which neutral the tracker uses.
    const calibrated = (await nthFrameFromNow(3)).face!;
    expect(calibrated.blendshapes.eyeWideLeft).toBeLessThan(0.05);
    expect(trackerOf(service).features.neutral.isCalibrated).toBe(true);

    const learnt = trackerOf(service).features.auto.frames;
    const reset = await http(`${base}/api/calibration/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect((reset.json as { calibration: Settings['calibration'] }).calibration).toEqual({ neutral: null });
    expect((await fileOnDisk()).settings.calibration?.neutral).toBeUndefined(); // the default: written as nothing
    expect((await onDisk()).calibration.neutral).toBeNull();
    expect((await SettingsStore.open({ stateDir: store.dir })).settings.calibration.neutral).toBeNull();

    await nthFrameFromNow(3);
    expect(trackerOf(service).features.neutral.isCalibrated).toBe(false);
    // What the automatic calibration had learnt is gone too: it starts again from the frames since.
    expect(trackerOf(service).features.auto.frames).toBeLessThan(learnt);
  });

  it('tells the tracker to forget what it holds even when no neutral is saved (the automatic statistics)', { timeout: 60_000 }, async () => {
    expect(service.settings().calibration.neutral).toBeNull();
    // A calibration the tracker holds but the settings do not: the automatic one, and an explicit capture.
    const tracker = trackerOf(service);
    tracker.features.neutral.capture(Array.from(tracker.features.neutral.values, (v) => v * 1.1));
    expect(tracker.features.neutral.isCalibrated).toBe(true);
    await nthFrameFromNow(6);
    const learnt = tracker.features.auto.frames;
    expect(learnt).toBeGreaterThanOrEqual(6);
    const body = jsonBody({});
    const reset = await http(`${base}/api/calibration/reset`, { method: 'POST', ...body });
    expect(reset.status).toBe(200);
    await nthFrameFromNow(2);
    expect(trackerOf(service)).toBe(tracker);
    expect(tracker.features.neutral.isCalibrated).toBe(false);
    expect(tracker.features.auto.frames).toBeLessThan(learnt);
  });

  it('refuses bad requests and a reset during a neutral capture, changing nothing', { timeout: 60_000 }, async () => {
    await service.calibrateNeutral();
    const saved = (await onDisk()).calibration.neutral;
    expect(saved).not.toBeNull();

    const tries: [string, Parameters<typeof http>[1], number, string][] = [
      ['GET', { method: 'GET' }, 405, 'method-not-allowed'],
      ['a field', { method: 'POST', ...jsonBody({ neutral: null }) }, 422, 'invalid-request'],
      ['an array', { method: 'POST', ...jsonBody([]) }, 422, 'invalid-request'],
      ['malformed JSON', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"' }, 400, 'malformed-json'],
      ['not JSON', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'reset' }, 415, 'unsupported-media-type'],
      ['another site’s page', { method: 'POST', headers: { origin: 'http://evil.example' } }, 403, 'cross-origin'],
    ];
    for (const [what, options, status, code] of tries) {
      const r = await http(`${base}/api/calibration/reset`, options);
      expect({ what, status: r.status, code: errorOf(r)?.code }).toEqual({ what, status, code });
    }
    expect((await onDisk()).calibration.neutral).toEqual(saved);

    // Another host, unpaired: 401, as for calibrate-neutral.
    const remote = await RemoteHost.create();
    try {
      const r = await remote.http(`http://${remote.hostAddress}:${server.port}/api/calibration/reset`, { method: 'POST' });
      expect(r.status).toBe(401);
    } finally {
      await remote.close();
    }

    // A capture running: its neutral would be saved right after the reset, so the reset is refused.
    const capture = service.calibrateNeutral();
    const during = await http(`${base}/api/calibration/reset`, { method: 'POST' });
    expect(during.status).toBe(409);
    expect(errorOf(during)).toMatchObject({ code: 'reset-failed', message: 'a neutral calibration is running; reset when it has finished' });
    await capture;
    const recaptured = (await onDisk()).calibration.neutral;
    expect(recaptured).not.toBeNull();
    expect(trackerOf(service).features.neutral.isCalibrated).toBe(true);
  });
});

describe('tracking.autoCalibration', () => {
  it('is on by default, reaches the running tracker without a rebuild, and refuses non-booleans keeping the old value', { timeout: 60_000 }, async () => {
    expect(service.settings().tracking.autoCalibration).toBe(true);
    const tracker = trackerOf(service);
    expect(tracker.autoCalibration).toBe(true);

    const off = await http(`${base}/api/settings`, { method: 'PATCH', ...jsonBody({ tracking: { autoCalibration: false } }) });
    expect(off.status).toBe(200);
    expect((off.json as { changed: string[] }).changed).toEqual(['tracking.autoCalibration']);
    await nthFrameFromNow(2);
    expect(trackerOf(service)).toBe(tracker); // the same tracker: no models reloaded
    expect(tracker.autoCalibration).toBe(false);
    expect((await onDisk()).tracking.autoCalibration).toBe(false);

    for (const bad of ['yes', 1, 'false', {}]) {
      const r = await http(`${base}/api/settings`, { method: 'PATCH', ...jsonBody({ tracking: { autoCalibration: bad } }) });
      expect(r.status).toBe(422);
      expect(errorOf(r).issues!.map((i) => i.path)).toEqual(['tracking.autoCalibration']);
    }
    expect(service.settings().tracking.autoCalibration).toBe(false);
    expect((await onDisk()).tracking.autoCalibration).toBe(false);
    await nthFrameFromNow(2);
    expect(tracker.autoCalibration).toBe(false);

    // null: back to the default (on).
    const back = await http(`${base}/api/settings`, { method: 'PATCH', ...jsonBody({ tracking: { autoCalibration: null } }) });
    expect(back.status).toBe(200);
    await nthFrameFromNow(2);
    expect(tracker.autoCalibration).toBe(true);
  });
});
