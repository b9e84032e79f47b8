/**
 * Looking down is not a blink. The upper lid follows the eye down, and looking down at a desk the
 * mesh's lids can meet as in a blink (franck.mp4, bench/winks: lid ratio under 0.1 of the open eye in
 * every hand-labelled "lids lowered" frame, which read eyeBlink 1). What tells them apart is the
 * order: in a look-down the eye turns down with the lids still open and the lids follow; in a blink
 * the lids close with the gaze ahead, and they reopen within a blink's length.
 *
 * So, per eye: a closure that starts within LATCH_FRAMES of the eye looking down with the lids open,
 * or that outlasts a blink with the gaze reading down, is the lids lowered over a downward gaze: the
 * eye then reads at most LOWERED_BLINK closed and keeps the look-down it had. The latch opens with
 * the lids.
 */

/** Lid ratio (of the rest) above which the lids count as open, below which as closing. */
const OPEN_RATIO = 0.7;
/** eyeLookDown from which the eye counts as looking down. */
const DOWN = 0.3;
/** A closure starting this many frames after an open look-down follows it (about 0.3 s at 30 fps). */
const LATCH_FRAMES = 10;
/** Closed longer than a blink (about 0.5 s at 30 fps). */
const BLINK_FRAMES = 15;
/** How closed lowered lids may read (ARKit's own eyeBlink reads about half in a steep look-down). */
export const LOWERED_BLINK = 0.5;

export class LookDownLatch {
  private sinceOpenDown = Infinity;
  private closedFrames = 0;
  private heldLookDown = 0;
  private latched = false;

  /**
   * Takes this frame's lid ratio (settled aspect ratio over rest), eyeBlink and eyeLookDown, and
   * returns the eye's [eyeBlink, eyeLookDown] with a lowered-lid closure told from a blink.
   */
  update(lidRatio: number, blink: number, lookDown: number, out: [number, number]): [number, number] {
    if (lidRatio >= OPEN_RATIO) {
      this.latched = false;
      this.closedFrames = 0;
      if (lookDown >= DOWN) {
        this.sinceOpenDown = 0;
        this.heldLookDown = lookDown;
      } else {
        this.sinceOpenDown = Infinity;
      }
    } else {
      this.closedFrames++;
      this.sinceOpenDown++;
      if (this.sinceOpenDown <= LATCH_FRAMES || (this.closedFrames > BLINK_FRAMES && lookDown >= DOWN)) {
        if (!this.latched) this.heldLookDown = Math.max(this.heldLookDown, lookDown);
        this.latched = true;
      }
    }
    out[0] = this.latched ? Math.min(blink, LOWERED_BLINK) : blink;
    out[1] = this.latched ? Math.max(lookDown, this.heldLookDown) : lookDown;
    return out;
  }

  reset(): void {
    this.sinceOpenDown = Infinity;
    this.closedFrames = 0;
    this.heldLookDown = 0;
    this.latched = false;
  }
}
