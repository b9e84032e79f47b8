/**
 * The mouth: a closed smile line that fades as the lips part, and an open mouth (lips, dark inside,
 * upper teeth, tongue) whose half-width and half-height come from open/wide and the vowel weights.
 * Every part is drawn once at unit size and only moved and scaled per frame.
 */
import { Container, Graphics } from 'pixi.js';
import { mix } from './colour';
import { mouthShape, HALF_WIDTH, type MouthShape } from './mouth-shape';
import type { AvatarSample } from './sample';

export class MouthRig {
  readonly container = new Container();
  private readonly closedLine: Graphics;
  private readonly open = new Container();
  private readonly lips: Graphics;
  private readonly inside: Graphics;
  private readonly insideMask: Graphics;
  private readonly teeth: Graphics;
  private readonly tongue: Graphics;
  private readonly shape: MouthShape = { halfWidth: 0, halfHeight: 0 };

  constructor(colours: { skin: number; line: number; accent: number }) {
    this.closedLine = new Graphics()
      .moveTo(-HALF_WIDTH, -2)
      .quadraticCurveTo(0, 8, HALF_WIDTH, -2)
      .stroke({ width: 4, color: colours.line, cap: 'round' });
    const lipColour = mix(colours.skin, 0xc0505a, 0.55);
    this.lips = new Graphics().ellipse(0, 0, 1, 1).fill(lipColour);
    this.inside = new Graphics().ellipse(0, 0, 1, 1).fill(0x3a1020);
    this.insideMask = new Graphics().ellipse(0, 0, 1, 1).fill(0xffffff);
    this.teeth = new Graphics().rect(-1, 0, 2, 1).fill(0xfffaf5);
    this.tongue = new Graphics().ellipse(0, 0, 1, 1).fill(mix(0xe06070, colours.accent, 0.15));
    const clipped = new Container();
    clipped.addChild(this.inside, this.teeth, this.tongue, this.insideMask);
    clipped.mask = this.insideMask;
    this.open.addChild(this.lips, clipped);
    this.container.addChild(this.open, this.closedLine);
  }

  apply(s: AvatarSample): void {
    const { halfWidth: w, halfHeight: h } = mouthShape(s, this.shape);
    // Below ~2 px of opening the lips read as closed: show the line.
    const parted = Math.min(1, Math.max(0, (h - 1) / 4));
    this.closedLine.alpha = 1 - parted;
    this.closedLine.scale.x = w / HALF_WIDTH;
    this.open.visible = parted > 0;
    this.open.alpha = parted;
    if (!this.open.visible) return;
    this.lips.scale.set(w + 3, h + 3);
    this.inside.scale.set(w, h);
    this.insideMask.scale.set(w, h);
    this.teeth.scale.set(w, Math.min(7, h * 0.3));
    this.teeth.position.set(0, -h);
    this.tongue.scale.set(w * 0.6, Math.min(h * 0.45, 12));
    this.tongue.position.set(0, h * 0.85);
  }
}
