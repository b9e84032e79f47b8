/**
 * The one long-running service (`vtlink run`): settings → camera → tracker → outputs, with the
 * ServiceControl face the HTTP/WebSocket API uses. systemd's side lives in ./systemd.ts.
 *
 * Settings changes apply live, by what changed: camera.* reopens the source, outputs.<name>.*
 * rebuilds that output only, tracking.* builds a new tracker (models loaded while the old one keeps
 * tracking) and swaps it in between two frames, calibration.* restores the neutral face; camera.mirror,
 * tracking.sensitivity and tracking.autoCalibration are set on the running tracker from the next
 * frame. No restart.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { frameOf, type CapturedFrame } from '../capture/source';
import { touches, validateSettingsPatch, type Settings, type SettingsStore } from '../config';
import { packageRoot, defaultModelsDir } from '../system/paths';
import { silentLogger, type LogRing, type Logger } from '../system/log';
import type { FaceTracker } from '../tracking/tracker';
import type { TrackingFrame } from '../tracking/types';
import type { ApiServerStatus, ApplyResult, DeviceInfo, ReceiversInfo, ServiceControl, ServiceStatus } from './control';
import { VtsDiscovery } from '../outputs/vtube-studio/discovery';
import { networkInfo } from './network';
import { MANAGED_OUTPUTS, OutputsManager } from './outputs-manager';
import { Pipeline } from './pipeline';
import { previewJpegOf } from './preview';
import { FrameStats, RunTotals, type RunSummary } from './stats';
import { createTracker, liveTrackerSettings, neutralForSettings, restoreNeutral } from './tracker-host';
import { listDevices } from './devices';
import { KioskWatch, type KioskWatchOptions } from './kiosk-watch';
import type { Updater } from '../update/updater';
import type { AvatarPacks } from '../avatar/packs';
import { live2dIdOfChoice, packIdOfChoice } from '../avatar/parts';
import type { Live2DModels } from '../avatar/live2d';

export interface ServiceOptions {
  store: SettingsStore;
  /** Default: the package's models/ folder. */
  modelsDir?: string;
  /** Run-time camera source (--source): used instead of settings.camera.source until a change sets that. */
  sourceOverride?: string;
  /** End when the input ends once (the demo: one pass of its script). */
  once?: boolean;
  log?: Logger;
  /** Where `log`'s lines are also kept (createLogger's ring), for recentLogs(). */
  logRing?: LogRing;
  /** Frames averaged by calibrateNeutral(). Default 30 (1 s at 30 fps). */
  calibrationFrames?: number;
  /** How long calibrateNeutral() waits for those frames. Default 15 s. */
  calibrationTimeoutMs?: number;
  /** The kiosk watch: where restart requests go (RUNTIME_DIRECTORY; none: only log) and its timing. */
  kiosk?: Omit<KioskWatchOptions, 'log'>;
  /** Installing updates (src/update/): offered to the API as `update`; its summary goes in status(). */
  update?: Updater;
  /** The UDP port VTube Studio's announcements are heard on. Default 47779 (theirs); 0 = any free port (tests). */
  vtsDiscoveryPort?: number;
  /** Avatar packs from PSDs (src/avatar/): offered to the API as `avatars`; a chosen pack must exist. */
  avatars?: AvatarPacks;
  /** Live2D models (src/avatar/live2d.ts): a chosen one must exist, and the user's Cubism Core with it. */
  live2d?: Live2DModels;
}

/** Tracking settings the running tracker takes live (Pipeline.setLiveSettings), not a new tracker. */
const TRACKER_FREE = ['tracking.sensitivity', 'tracking.autoCalibration'];
/** Camera settings that change only how frames are tracked, not the source: no reopen. */
const REOPEN_FREE = ['camera.mirror'];

export class VtlinkService implements ServiceControl {
  private readonly log: Logger;
  private readonly stats = new FrameStats();
  private readonly totals = new RunTotals();
  private readonly listeners = new Set<(frame: TrackingFrame) => void>();
  private readonly startedAt = performance.now();
  private readonly version = packageVersion();
  private sourceOverride: string | undefined;
  private stopping = false;
  private faceFound = false;
  private firstFrameSeen = false;
  private resolveFirstFrame!: () => void;
  private applyQueue: Promise<unknown> = Promise.resolve();
  private previewWaiters: { maxWidth: number; resolve: (jpeg: Uint8Array | null) => void }[] = [];
  private calibration: { resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout; tracker: FaceTracker | null } | null = null;
  private pipeline!: Pipeline;
  private readonly outputs: OutputsManager;
  private loop: Promise<void> = Promise.resolve();
  private apiServer: ApiServerStatus | undefined;
  private readonly settingsListeners = new Set<(settings: Settings, changed: string[]) => void>();
  private readonly kiosk: KioskWatch;
  private readonly vtsDiscovery: VtsDiscovery;

  /** Resolves once the models are loaded and the first frame is tracked. */
  readonly firstFrame: Promise<void>;
  /**
   * systemd's READY=1: the first frame is tracked, or the models are loaded and the camera is being
   * waited for (a camera missing at boot must not fail the start: the UI says what is wrong).
   */
  readonly ready: Promise<'tracking' | 'camera-retry'>;
  private resolveReady!: (why: 'tracking' | 'camera-retry') => void;

  private constructor(
    private readonly store: SettingsStore,
    private readonly options: ServiceOptions,
  ) {
    this.log = options.log ?? silentLogger;
    this.sourceOverride = options.sourceOverride;
    this.outputs = new OutputsManager({ stateDir: store.dir, log: this.log });
    this.kiosk = new KioskWatch({ ...options.kiosk, log: this.log });
    this.vtsDiscovery = new VtsDiscovery({ port: options.vtsDiscoveryPort, log: this.log });
    this.firstFrame = new Promise((resolve) => (this.resolveFirstFrame = resolve));
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  /** Loads the models, starts the outputs and the frame loop. Rejects only if the models cannot load. */
  static async start(options: ServiceOptions): Promise<VtlinkService> {
    const service = new VtlinkService(options.store, options);
    const settings = options.store.settings;
    if (options.store.health.status !== 'ok') service.log.warn(`settings: ${options.store.health.detail}`);
    const tracker = await createTracker(settings, service.modelsDir, service.log);
    service.pipeline = new Pipeline({
      tracker,
      camera: service.effectiveCamera(settings),
      live: liveTrackerSettings(settings),
      once: options.once ?? false,
      log: service.log,
      onCaptured: (captured) => service.makePreviews(captured),
      onFrame: (frame, t) => service.onTracked(frame, t),
      onRetry: () => service.resolveReady('camera-retry'),
    });
    service.outputs.start(settings.outputs);
    service.kiosk.start();
    await service.vtsDiscovery.start();
    service.loop = service.pipeline.run();
    return service;
  }

  /** Resolves when the frame loop has ended: after stop(), or with `once` when the input ended. */
  get finished(): Promise<void> {
    return this.loop;
  }

  /** Frames tracked since start, and whether a camera-retry loop runs: the watchdog's evidence of life. */
  progress(): { framesProcessed: number; retrying: boolean } {
    // Retrying or opening the camera: no frame is owed to the tracker (see Pipeline.awaitingCamera).
    return { framesProcessed: this.pipeline.framesProcessed, retrying: this.pipeline.retrying || this.pipeline.awaitingCamera };
  }

  /** Frames, face found %, detector runs and median ms since start (the summary of `vtlink run --once`). */
  summary(): RunSummary {
    return this.totals.summary();
  }

  /** Stops tracking and releases the camera, the outputs and the models. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return this.loop;
    this.stopping = true;
    this.kiosk.stop();
    await this.pipeline.stop();
    await this.loop;
    this.resolvePreviews(null);
    this.calibration?.reject(new Error('the service is stopping'));
    await Promise.all([this.outputs.close(), this.pipeline.release(), this.vtsDiscovery.close()]);
  }

  // ── ServiceControl ────────────────────────────────────────────────────────────────────────────

  settings(): Settings {
    return this.store.settings;
  }

  applySettings(patch: unknown): Promise<ApplyResult> {
    // One change at a time, each validated against the settings the previous one left.
    const run = this.applyQueue.then(() => this.apply(patch));
    this.applyQueue = run.catch(() => undefined);
    return run;
  }

  status(): ServiceStatus {
    const now = performance.now();
    const camera = this.pipeline.cameraStatus;
    let state: ServiceStatus['state'];
    if (this.stopping) state = 'stopping';
    else if (camera.state === 'retrying') state = 'camera-retry';
    else if (!this.firstFrameSeen) state = 'starting';
    else state = this.faceFound ? 'tracking' : 'no-face';
    return {
      version: this.version,
      uptimeS: (now - this.startedAt) / 1000,
      state,
      fps: this.stats.fps(now),
      framesProcessed: this.pipeline.framesProcessed,
      faceFound: this.faceFound,
      latency: this.stats.latency(),
      camera: { ...camera, droppedFrames: this.pipeline.droppedFrames },
      outputs: this.outputs.states(),
      settingsHealth: { ...this.store.health },
      network: { ...networkInfo(now), ...(this.apiServer ? { server: { ...this.apiServer } } : {}) },
      kiosk: this.kiosk.status(),
      ...(this.options.update ? { update: this.options.update.summary() } : {}),
    };
  }

  kioskHeartbeat(frames: number): void {
    this.kiosk.heartbeat(frames);
  }

  get avatars(): AvatarPacks | undefined {
    return this.options.avatars;
  }

  get live2d(): Live2DModels | undefined {
    return this.options.live2d;
  }

  get update(): Updater | undefined {
    return this.options.update;
  }

  recentLogs(lines: number): string[] {
    return this.options.logRing?.lines(lines) ?? [];
  }

  /** What the HTTP/WebSocket API's host (src/commands/run.ts) says about it, shown in status().network.server. */
  reportApiServer(state: ApiServerStatus): void {
    this.apiServer = state;
  }

  /** Called after each saved change with the new settings and the changed paths (e.g. to move the API to a new port). */
  onSettingsChanged(listener: (settings: Settings, changed: string[]) => void): () => void {
    this.settingsListeners.add(listener);
    return () => void this.settingsListeners.delete(listener);
  }

  devices(): Promise<DeviceInfo[]> {
    return listDevices();
  }

  receivers(): ReceiversInfo {
    return { vtubeStudio: { ...this.vtsDiscovery.state(), instances: this.vtsDiscovery.instances() } };
  }

  calibrateNeutral(): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('the service is stopping'));
    if (this.calibration) return Promise.reject(new Error('a calibration is already running'));
    const frames = this.options.calibrationFrames ?? 30;
    const timeoutMs = this.options.calibrationTimeoutMs ?? 15_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calibration = null;
        reject(new Error(`no face was seen for ${frames} frames within ${Math.round(timeoutMs / 1000)} s; nothing was saved`));
      }, timeoutMs);
      this.calibration = { resolve, reject, timer, tracker: null };
      this.pipeline.calibrateNeutral(frames);
    }).finally(() => {
      if (this.calibration) clearTimeout(this.calibration.timer);
      this.calibration = null;
    });
  }

  async resetCalibration(): Promise<void> {
    if (this.stopping) throw new Error('the service is stopping');
    // A capture in progress would save its neutral right after the reset: refuse rather than race it.
    if (this.calibration) throw new Error('a neutral calibration is running; reset when it has finished');
    const result = await this.applySettings({ calibration: { neutral: null } });
    if (!result.ok) throw new Error(result.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
    // Saved first: if the save fails, the tracker keeps what it has and the user is told.
    this.pipeline.resetCalibration();
    this.log.info('calibration reset: the neutral face and the automatic calibration are forgotten');
  }

  restartTracking(): void {
    this.pipeline.restartTracking();
  }

  onFrame(listener: (frame: TrackingFrame) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  previewJpeg(maxWidth: number): Promise<Uint8Array | null> {
    if (this.stopping || !this.firstFrameSeen) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter = { maxWidth, resolve };
      this.previewWaiters.push(waiter);
      // A stalled camera must not hold the HTTP request for ever.
      setTimeout(() => {
        const i = this.previewWaiters.indexOf(waiter);
        if (i >= 0) {
          this.previewWaiters.splice(i, 1);
          resolve(null);
        }
      }, 2000).unref();
    });
  }

  // ── Inside ────────────────────────────────────────────────────────────────────────────────────

  private get modelsDir(): string {
    return this.options.modelsDir ?? defaultModelsDir();
  }

  private effectiveCamera(settings: Settings): Settings['camera'] {
    return this.sourceOverride === undefined ? settings.camera : { ...settings.camera, source: this.sourceOverride };
  }

  private onTracked(frame: TrackingFrame, tracker: FaceTracker): void {
    this.stats.record(performance.now(), tracker.timings);
    this.totals.record(frame.face !== null, tracker.timings);
    this.faceFound = frame.face !== null;
    this.outputs.send(frame);
    for (const listener of this.listeners) {
      try {
        listener(frame);
      } catch (err) {
        this.log.warn(`frame listener failed: ${(err as Error).message}`);
      }
    }
    if (this.calibration) this.checkCalibration(tracker);
    if (!this.firstFrameSeen) {
      this.firstFrameSeen = true;
      this.resolveFirstFrame();
      this.resolveReady('tracking');
    }
  }

  private makePreviews(captured: CapturedFrame): void {
    if (this.previewWaiters.length === 0) return;
    const waiters = this.previewWaiters;
    this.previewWaiters = [];
    for (const w of waiters) {
      try {
        // frameOf: camera frames are read in their own layout (no RGB conversion of the full frame).
        previewJpegOf(frameOf(captured), w.maxWidth).then(w.resolve, () => w.resolve(null));
      } catch {
        w.resolve(null);
      }
    }
  }

  private resolvePreviews(value: null): void {
    const waiters = this.previewWaiters;
    this.previewWaiters = [];
    for (const w of waiters) w.resolve(value);
  }

  /** The tracker has started (calibrating) and finished (no longer calibrating): save its neutral. */
  private checkCalibration(tracker: FaceTracker): void {
    const c = this.calibration;
    if (!c) return;
    if (c.tracker !== tracker) {
      if (tracker.calibrating) c.tracker = tracker;
      return;
    }
    if (tracker.calibrating) return;
    this.calibration = null;
    clearTimeout(c.timer);
    const neutral = neutralForSettings(tracker);
    this.applySettings({ calibration: { neutral } }).then(
      (result) => (result.ok ? c.resolve() : c.reject(new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join('; ')))),
      (err: Error) => c.reject(err),
    );
  }

  private async apply(patch: unknown): Promise<ApplyResult> {
    const result = validateSettingsPatch(this.store.settings, patch);
    if (!result.ok) return result;
    // A pack the schema cannot know of: it must be on the state partition.
    const pack = packIdOfChoice(result.settings.avatar.choice);
    if (pack !== null && touches(result.changed, 'avatar.choice') && this.options.avatars?.has(pack) !== true) {
      return { ok: false, issues: [{ path: 'avatar.choice', message: `no avatar pack "${pack}": import it first (GET /api/avatars lists them)` }] };
    }
    if (touches(result.changed, 'avatar.choice') && live2dIdOfChoice(result.settings.avatar.choice) !== null) {
      const problem = this.options.live2d ? await this.options.live2d.choiceProblem(result.settings.avatar.choice) : 'this service runs without Live2D models';
      if (problem) return { ok: false, issues: [{ path: 'avatar.choice', message: problem }] };
    }
    try {
      await this.store.save(result.settings);
    } catch (err) {
      return { ok: false, issues: [{ path: '', message: `the settings could not be saved: ${(err as Error).message}` }] };
    }
    const { settings, changed } = result;
    if (changed.length > 0) this.log.info(`settings changed: ${changed.join(', ')}`);
    if (touches(changed, 'camera.source')) this.sourceOverride = undefined;
    if (changed.some((p) => touches([p], 'camera') && !REOPEN_FREE.some((free) => touches([p], free)))) this.pipeline.reopen(this.effectiveCamera(settings));
    if (['camera.mirror', ...TRACKER_FREE].some((live) => touches(changed, live))) this.pipeline.setLiveSettings(liveTrackerSettings(settings));
    const outputs = MANAGED_OUTPUTS.filter((key) => touches(changed, `outputs.${key}`));
    const work: Promise<void>[] = [];
    if (outputs.length > 0) work.push(this.outputs.rebuild(outputs, settings.outputs));
    const trackingChanged = changed.some((p) => p.startsWith('tracking.') && !TRACKER_FREE.some((free) => touches([p], free)));
    if (trackingChanged) work.push(this.rebuildTracker(settings));
    else if (touches(changed, 'calibration') && !this.calibration) restoreNeutral(this.pipeline.currentTracker, settings.calibration, this.log);
    await Promise.all(work);
    if (changed.length > 0) {
      for (const listener of this.settingsListeners) {
        try {
          listener(settings, changed);
        } catch (err) {
          this.log.warn(`settings listener failed: ${(err as Error).message}`);
        }
      }
    }
    return { ok: true, settings, changed };
  }

  /** A new tracker with the new options, loaded while the old one keeps tracking. */
  private async rebuildTracker(settings: Settings): Promise<void> {
    try {
      const tracker = await createTracker(settings, this.modelsDir, this.log);
      if (this.stopping) {
        await tracker.release();
        return;
      }
      // The neutral may have changed (a calibration, a reset) while the models loaded.
      restoreNeutral(tracker, this.store.settings.calibration, this.log);
      this.pipeline.setTracker(tracker);
    } catch (err) {
      // Valid settings whose models cannot load (a missing detector file): keep tracking with the old ones.
      this.log.error(`tracking: cannot apply the new settings (${(err as Error).message}); still tracking with the previous ones`);
    }
  }
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
