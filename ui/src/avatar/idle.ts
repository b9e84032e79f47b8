/**
 * IdleMotion: what the avatar does while no face is tracked, so the screen never looks frozen:
 * a slow sway of the head, breathing-paced, glances to new points every few seconds (quick saccades,
 * as eyes move) and a blink every few seconds. Deterministic: the schedule comes from a seeded
 * generator, so the same clock gives the same motion (tests, two screens side by side).
 */
import type { AvatarSample } from './sample';

const BLINK_MS = 170;
const SACCADE_MS = 90;
const TAU = Math.PI * 2;

/** Small, fast, seeded generator (mulberry32); the schedule only needs to look irregular. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const smoothstep = (x: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x));

export class IdleMotion {
  private readonly random: () => number;
  private nextBlinkMs = 0;
  private blinkStartMs = -Infinity;
  private glanceStartMs = -Infinity;
  private nextGlanceMs = 0;
  private fromYaw = 0;
  private fromPitch = 0;
  private toYaw = 0;
  private toPitch = 0;
  private lastMs = -Infinity;

  constructor(seed = 7) {
    this.random = seeded(seed);
  }

  /** Writes the idle pose for local time `nowMs` (monotonic) into `out`'s channels. */
  sample(nowMs: number, out: AvatarSample): void {
    if (nowMs < this.lastMs) this.nextBlinkMs = this.nextGlanceMs = nowMs;
    this.lastMs = nowMs;
    if (nowMs >= this.nextBlinkMs) {
      this.blinkStartMs = nowMs;
      this.nextBlinkMs = nowMs + 2200 + this.random() * 3300;
    }
    if (nowMs >= this.nextGlanceMs) {
      this.fromYaw = this.toYaw;
      this.fromPitch = this.toPitch;
      // Mostly back towards the viewer, sometimes off to the side.
      const away = this.random() < 0.55;
      this.toYaw = away ? (this.random() * 2 - 1) * 18 : 0;
      this.toPitch = away ? (this.random() * 2 - 1) * 9 : 0;
      this.glanceStartMs = nowMs;
      this.nextGlanceMs = nowMs + 1400 + this.random() * 2600;
    }
    const s = nowMs / 1000;
    const g = smoothstep((nowMs - this.glanceStartMs) / SACCADE_MS);
    out.gazeYaw = this.fromYaw + (this.toYaw - this.fromYaw) * g;
    out.gazePitch = this.fromPitch + (this.toPitch - this.fromPitch) * g;
    // The head follows the eyes a little, on top of a slow sway.
    out.headYaw = 5 * Math.sin((TAU * s) / 7.3) + 2 * Math.sin((TAU * s) / 3.1) + 0.25 * out.gazeYaw;
    out.headPitch = 2 * Math.sin((TAU * s) / 5.7) + 0.2 * out.gazePitch;
    out.headRoll = 3 * Math.sin((TAU * s) / 6.1 + 1);
    out.leanX = 0.04 * Math.sin((TAU * s) / 9.7);
    out.leanY = 0;
    const b = (nowMs - this.blinkStartMs) / BLINK_MS;
    // A blink closes fast and opens a little slower: 0 -> 1 -> 0 over BLINK_MS.
    const closed = b < 0 || b > 1 ? 0 : b < 0.4 ? smoothstep(b / 0.4) : 1 - smoothstep((b - 0.4) / 0.6);
    out.eyeLeft = out.eyeRight = 1 - closed;
    out.mouthOpen = 0;
    out.mouthWide = 0.55;
    out.vowelA = out.vowelI = out.vowelU = out.vowelE = out.vowelO = 0;
    out.smile = 0;
    out.browLeft = out.browRight = 0.1 + 0.1 * Math.sin((TAU * s) / 8.3);
  }
}
