import type { Settings, SettingsHealth, SettingsIssue } from '../config';
import type { OutputState } from '../outputs/output';
import type { VtsDiscoveryState, VtsInstance } from '../outputs/vtube-studio/discovery';
import type { TrackingFrame } from '../tracking/types';
import type { KioskStatus } from './kiosk-watch';

export type { KioskStatus };
import type { UpdateControl } from '../update/types';
import type { AvatarControl } from '../avatar/packs';
import type { Live2DModels } from '../avatar/live2d';

/** Median milliseconds per stage over the last few seconds (see TrackerTimings for the stages). */
export interface StageLatency {
  preprocessMs: number;
  detectMs: number;
  meshMs: number;
  irisMs: number;
  geometryMs: number;
  filtersMs: number;
  totalMs: number;
}

export interface CameraStatus {
  /** The configured source string (settings.camera.source). */
  source: string;
  state: 'starting' | 'running' | 'retrying' | 'stopped' | 'error';
  /** One line: why it is retrying or failed; absent while running. */
  detail?: string;
  width?: number;
  height?: number;
  /** Frames the source dropped because tracking was busy (latest-frame semantics). */
  droppedFrames: number;
}

/** Where the HTTP/WebSocket API listens (src/commands/run.ts reports it), or why it does not. */
export interface ApiServerStatus {
  /** The URL it answers on; null while it is not listening. */
  url: string | null;
  port: number | null;
  bind: string;
  /** The last failure to (re)start it on the configured port/bind, if any; the previous server keeps running. */
  problem?: string;
}

export interface NetworkStatus {
  hostname: string;
  /** The box's non-loopback IP addresses (IPv4 first), to reach it from another host. */
  addresses: string[];
  /** Absent when the service runs without the API (tests, benches). */
  server?: ApiServerStatus;
}

export interface ServiceStatus {
  version: string;
  uptimeS: number;
  /** 'starting' until the models are loaded and the first frame is tracked. */
  state: 'starting' | 'tracking' | 'no-face' | 'camera-retry' | 'stopping';
  fps: number;
  framesProcessed: number;
  faceFound: boolean;
  latency: StageLatency;
  camera: CameraStatus;
  outputs: Record<string, OutputState>;
  settingsHealth: SettingsHealth;
  network: NetworkStatus;
  /** The kiosk screen's browser, from its heartbeats (src/service/kiosk-watch.ts). */
  kiosk: KioskStatus;
  /** Updates (GET /api/update has the rest): the booted slot, and whether health has marked it good this boot. */
  update?: { available: boolean; slot: string | null; health: 'not-applicable' | 'waiting' | 'marked-good' | 'failed' };
}

/**
 * Receivers heard on the LAN (GET /api/receivers), for the Outputs page to offer as targets. Only
 * VTube Studio announces itself; VMC, OpenSeeFace and VRChat receivers do not, so they are typed in.
 */
export interface ReceiversInfo {
  vtubeStudio: VtsDiscoveryState & { instances: VtsInstance[] };
}

/** A camera the service can open, for the settings UI. */
export interface DeviceInfo {
  /** What to put in settings.camera.source, e.g. "v4l2:/dev/video0". */
  source: string;
  name: string;
  formats: { format: string; width: number; height: number; fps: number[] }[];
}

export type ApplyResult = { ok: true; settings: Settings; changed: string[] } | { ok: false; issues: SettingsIssue[] };

/**
 * What the HTTP/WebSocket API (src/server) may ask of the running service (src/service). The server
 * knows this interface and TrackingFrame, nothing of the tracker's insides.
 *
 * Failure semantics: every method answers; none throws for bad input. `applySettings` validates the
 * whole patch first and applies nothing unless all of it is valid (the running settings and the file
 * on disk stay as they were); once valid, it is saved durably, then applied live (camera reopened,
 * outputs reconnected) without a restart the user can see; a failure while applying (a camera that
 * will not open) is reported in `status()`, not as a refusal, since the settings themselves are valid.
 */
export interface ServiceControl {
  settings(): Settings;
  applySettings(patch: unknown): Promise<ApplyResult>;
  status(): ServiceStatus;
  devices(): Promise<DeviceInfo[]>;
  /** The VTuber apps heard announcing themselves on the LAN (their addresses: kiosk and paired hosts only). */
  receivers(): ReceiversInfo;
  /** Averages the next frames into the neutral expression and saves it in settings.calibration. */
  calibrateNeutral(): Promise<void>;
  /**
   * Clears the saved neutral face (settings.calibration.neutral, saved durably) and makes the tracker
   * forget both it and what the automatic calibration learned. Rejects, changing nothing, while a
   * neutral calibration runs or when the settings cannot be saved.
   */
  resetCalibration(): Promise<void>;
  /** Forgets the tracked face; the next frame starts from a detection. */
  restartTracking(): void;
  /** Every TrackingFrame as it is produced; returns the unsubscribe function. */
  onFrame(listener: (frame: TrackingFrame) => void): () => void;
  /** The newest `lines` lines of the service's log, oldest first (may hold paths: kiosk and paired hosts only). */
  recentLogs(lines: number): string[];
  /** The latest camera frame downscaled for the UI preview (JPEG bytes), or null if none yet. */
  previewJpeg(maxWidth: number): Promise<Uint8Array | null>;
  /**
   * A heartbeat of the kiosk's page (loopback only): its requestAnimationFrame count since it loaded,
   * a whole number >= 0 (the server validates it). A count that stops moving gets the kiosk restarted.
   */
  kioskHeartbeat(frames: number): void;
  /** Installing updates (src/update/); absent where the service runs without the updater (the API then says updates are unavailable). */
  readonly update?: UpdateControl;
  /** Avatar packs made from PSDs (src/avatar/); absent where the service runs without them. */
  readonly avatars?: AvatarControl;
  /** Live2D models and the user's Cubism Core (src/avatar/live2d.ts). */
  readonly live2d?: Live2DModels;
}
