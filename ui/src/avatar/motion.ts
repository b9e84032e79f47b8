/**
 * AvatarMotion: from irregular tracking samples to one smooth pose per drawn frame.
 *
 * tracked = SampleTimeline (delayed Hermite playback) -> critically damped follower (absorbs what
 * interpolation cannot: restarts, starved buffers, big jumps) ; idle = IdleMotion ;
 * drawn = blend(idle, tracked, w), w easing to 1 over HANDOVER_MS while a face is tracked and back to
 * 0 when it is lost, so losing and finding the face never snaps.
 */
import { IdleMotion } from './idle';
import { AVATAR_CHANNELS, neutralSample, type AvatarSample } from './sample';
import { SampleTimeline } from './timeline';

export const HANDOVER_MS = 500;
/** Follower stiffness, rad/s: ~2/ω = 33 ms of lag on a ramp, enough to round off steps. */
const FOLLOW_OMEGA = 60;
/** No sample for this long counts as a lost face (the stream stopped, the service restarted). */
const STALE_MS = 1000;

const CHANNELS = AVATAR_CHANNELS.length;
const smoothstep = (x: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x));

export class AvatarMotion {
  readonly timeline = new SampleTimeline();
  private readonly idle = new IdleMotion();
  private readonly target = neutralSample();
  private readonly followed = neutralSample();
  private readonly idlePose = neutralSample();
  private readonly velocity = new Float64Array(CHANNELS);
  private lastFrameMs = NaN;
  private lastArrivalMs = -Infinity;
  private handover = 0;
  private primed = false;

  /** How much of the drawn pose is the tracked face (0 idle .. 1 tracked), before easing. */
  get trackedWeight(): number {
    return this.handover;
  }

  push(sample: AvatarSample, captureMs: number, arrivalMs: number): void {
    this.timeline.push(sample, captureMs, arrivalMs);
    this.lastArrivalMs = arrivalMs;
  }

  /** The pose to draw at local time `nowMs` (monotonic, e.g. performance.now()). */
  frame(nowMs: number, out: AvatarSample): AvatarSample {
    const dt = Number.isFinite(this.lastFrameMs) ? Math.min(Math.max(nowMs - this.lastFrameMs, 0), 100) : 0;
    this.lastFrameMs = nowMs;
    const haveTarget = this.timeline.evaluate(nowMs, this.target);
    const present = haveTarget && this.target.present && nowMs - this.lastArrivalMs < STALE_MS;
    if (haveTarget) this.follow(dt);
    this.handover = Math.min(1, Math.max(0, this.handover + ((present ? 1 : -1) * dt) / HANDOVER_MS));
    this.idle.sample(nowMs, this.idlePose);
    const w = smoothstep(this.handover);
    for (const c of AVATAR_CHANNELS) out[c] = this.idlePose[c] + (this.followed[c] - this.idlePose[c]) * w;
    out.present = present;
    return out;
  }

  private follow(dtMs: number): void {
    if (!this.primed) {
      // The first sample is taken as it is: the hand-over weight is still 0, so the blend hides the jump.
      for (const c of AVATAR_CHANNELS) this.followed[c] = this.target[c];
      this.primed = true;
      return;
    }
    const dt = dtMs / 1000;
    const decay = Math.exp(-FOLLOW_OMEGA * dt);
    for (let i = 0; i < CHANNELS; i++) {
      const c = AVATAR_CHANNELS[i];
      // Exact step of x'' = ω²(g - x) - 2ω x' with g held for dt (stable for any dt).
      const y = this.followed[c] - this.target[c];
      const v = this.velocity[i];
      const k = (v + FOLLOW_OMEGA * y) * dt;
      this.velocity[i] = (v - FOLLOW_OMEGA * k) * decay;
      this.followed[c] = this.target[c] + (y + k) * decay;
    }
  }
}
