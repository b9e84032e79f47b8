/**
 * The mouth: a closed smile line that fades as the lips part, and an open mouth (lips, dark inside,
 * upper teeth, tongue) whose half-width and half-height come from open/wide and the vowel weights.
 * Every part is drawn once at unit size and only moved and scaled per frame.
 */
import { Container, Graphics } from 'pixi.js';
import { mix } from './colour';
import type { AvatarSample } from './sample';

/** Half-width of the relaxed mouth and half-height of the fully open one, pixels. */
const HALF_WIDTH = 25;
const MAX_HALF_HEIGHT = 30;

/** Each vowel's mouth as factors of the half-width and of the opening: A open, I spread, U pursed, E half-spread, O round. */
const VOWEL_SHAPES = {
  vowelA: { w: 1.0, h: 1.0 },
  vowelI: { w: 1.3, h: 0.35 },
  vowelU: { w: 0.55, h: 0.65 },
  vowelE: { w: 1.15, h: 0.55 },
  vowelO: { w: 0.72, h: 0.9 },
} as const;
const VOWELS = Object.keys(VOWEL_SHAPES) as (keyof typeof VOWEL_SHAPES)[];

export interface MouthShape {
  halfWidth: number;
  halfHeight: number;
}

/** The mouth's size from the sample's mouth fields (pure: the tests check it). */
export function mouthShape(s: AvatarSample, out: MouthShape = { halfWidth: 0, halfHeight: 0 }): MouthShape {
  const open = Math.min(1, Math.max(0, s.mouthOpen));
  const wide = Math.min(1, Math.max(0, s.mouthWide));
  let width = 0.75 + 0.5 * wide;
  let height = 1;
  let total = 0;
  let vw = 0;
  let vh = 0;
  for (const v of VOWELS) {
    const weight = Math.min(1, Math.max(0, s[v]));
    total += weight;
    vw += weight * VOWEL_SHAPES[v].w;
    vh += weight * VOWEL_SHAPES[v].h;
  }
  if (total > 0) {
    const blend = Math.min(1, total);
    width += (vw / total - width) * blend;
    height += (vh / total - height) * blend;
  }
  out.halfWidth = HALF_WIDTH * width;
  out.halfHeight = MAX_HALF_HEIGHT * open * height;
  return out;
}

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
