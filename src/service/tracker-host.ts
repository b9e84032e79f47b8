/**
 * The FaceTracker as the settings describe it: built from settings.tracking (and camera.mirror), with
 * the saved neutral face (settings.calibration) restored into its features.
 */
import type { Settings } from '../config';
import { RAW_METRIC_COUNT } from '../geometry/features';
import type { Logger } from '../system/log';
import { FaceTracker, type TrackerOptions } from '../tracking/tracker';
import { defaultInferenceThreads, type InferenceThreadCount } from '../vision/face-vision';

/** The settings a running tracker takes without being rebuilt (FaceTracker.mirror / setSensitivity / setAutoCalibration). */
export interface LiveTrackerSettings {
  readonly mirror: boolean;
  readonly sensitivity: Settings['tracking']['sensitivity'];
  readonly autoCalibration: boolean;
}

export function liveTrackerSettings(settings: Settings): LiveTrackerSettings {
  return { mirror: settings.camera.mirror, sensitivity: { ...settings.tracking.sensitivity }, autoCalibration: settings.tracking.autoCalibration };
}

/** Applies the live settings (cheap and idempotent: the mirror setter does nothing when unchanged). */
export function applyLiveTrackerSettings(tracker: FaceTracker, live: LiveTrackerSettings): void {
  tracker.mirror = live.mirror;
  tracker.setSensitivity(live.sensitivity);
  tracker.setAutoCalibration(live.autoCalibration);
}

export function trackerOptions(tracking: Settings['tracking'], modelsDir: string, mirror = false): TrackerOptions {
  const s = tracking.smoothing;
  return {
    mirror,
    sensitivity: { ...tracking.sensitivity },
    autoCalibration: tracking.autoCalibration,
    modelsDir,
    detector: tracking.detector,
    retinafaceModel: tracking.retinafaceModel,
    landmarks: tracking.landmarks,
    threads: tracking.threads,
    // Never the service's own thread: onnxruntime-node runs synchronously and would hold the API.
    inferenceThreads: tracking.inferenceWorkers === 0 ? defaultInferenceThreads() : (tracking.inferenceWorkers as InferenceThreadCount),
    meshThreshold: tracking.meshThreshold,
    focalScale: tracking.focalScale,
    smoothing: s.enabled ? { minCutoff: s.minCutoff, beta: s.beta, dCutoff: s.dCutoff } : false,
  };
}

export async function createTracker(settings: Settings, modelsDir: string, log: Logger): Promise<FaceTracker> {
  const tracker = await FaceTracker.create(trackerOptions(settings.tracking, modelsDir, settings.camera.mirror));
  restoreNeutral(tracker, settings.calibration, log);
  return tracker;
}

/** Put the saved neutral face back (or the canonical one when none is saved). */
export function restoreNeutral(tracker: FaceTracker, calibration: Settings['calibration'], log: Logger): void {
  const saved = calibration.neutral;
  if (!saved) {
    tracker.features.neutral.reset();
    return;
  }
  if (saved.values.length !== RAW_METRIC_COUNT || !saved.values.every(Number.isFinite)) {
    // A calibration from another release's metrics would skew every feature: better the canonical face.
    log.warn(`calibration: the saved neutral face has ${saved.values.length} values, this version needs ${RAW_METRIC_COUNT}; using the default face until recalibrated`);
    tracker.features.neutral.reset();
    return;
  }
  tracker.features.neutral.capture(saved.values, 1);
}

/** The tracker's current neutral, as settings.calibration.neutral stores it. */
export function neutralForSettings(tracker: FaceTracker, now = new Date()): NonNullable<Settings['calibration']['neutral']> {
  return { values: Array.from(tracker.features.neutral.values), capturedAt: now.toISOString() };
}
