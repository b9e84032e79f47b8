/** The avatar's public face: options and the handle createAvatar returns (no DOM types, so Node tests can name them). */
import type { AvatarTheme } from './characters';
import type { FrameTimeSummary } from './frame-stats';
import type { RendererChoice } from './renderer-choice';
import type { AvatarSample } from './sample';

export type AvatarBackground = 'scene' | 'green' | 'transparent' | 'colour';

export interface AvatarOptions {
  avatarId?: string;
  theme?: Partial<AvatarTheme>;
  background?: AvatarBackground;
  /** '#rrggbb', the background when `background` is 'colour'. */
  backgroundColour?: string;
  renderer?: RendererChoice;
  /** Smooth edges (MSAA on WebGL); default true. */
  antialias?: boolean;
}

export interface AvatarHandle {
  /** A tracking sample captured at `captureMs` (the frame's own clock, e.g. TrackingFrame.timeMs). */
  update(sample: AvatarSample, captureMs: number): void;
  /** `colour` ('#rrggbb') is the background when `background` is 'colour'. */
  setBackground(background: AvatarBackground, colour?: string): void;
  /**
   * A built-in character's id, or `psd:<pack id>` for an avatar pack (loaded from the service; the
   * avatar drawn now stays until it is loaded, and stays when it cannot be: see avatarProblem).
   */
  setAvatar(avatarId: string, theme?: Partial<AvatarTheme>): void;
  /** Loads the chosen pack again (its layer mapping changed); the drawn one stays until then. */
  reloadAvatar(): void;
  /** The avatar drawn now (a built-in id or psd:<pack id>). */
  avatarShown(): string;
  /** Why the last avatar asked for is not drawn (a pack that failed to load), or null. */
  avatarProblem(): string | null;
  destroy(): void;
  /** 'webgl', 'webgpu' or 'canvas': what Pixi ended up rendering with. */
  readonly rendererName: string;
  /** The pose drawn last (a copy). */
  drawnPose(): AvatarSample;
  /** Where the parts are on screen now, CSS pixels relative to the host. */
  regions(): Record<'leftEye' | 'rightEye' | 'mouth' | 'face', { x: number; y: number; width: number; height: number }>;
  frameStats(): FrameTimeSummary;
  resetFrameStats(): void;
}
