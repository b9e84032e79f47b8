/**
 * One eye: white, iris and pupil that follow the gaze inside the eye's outline, and an upper lid that
 * closes over them. The lid's edge keeps its ends at the eye's corners and its middle comes down, as a
 * real lid does, so a blink reads as a blink rather than a squashed eye. Lid shapes are built once per
 * openness step and swapped in (no drawing per frame).
 *
 * Drawn for the eye on the viewer's left, outer corner at -x; the other eye is this mirrored (scale.x < 0).
 */
import { Container, Graphics, GraphicsContext } from 'pixi.js';
import { darken, lighten } from './colour';

/** The outline: corners and Bezier controls of the upper and lower edges, in eye pixels. */
const OUTER = { x: -31, y: 3 };
const INNER = { x: 31, y: -1 };
const UPPER_CTRL_Y = -25;
const LOWER_CTRL_Y = 18;
const CTRL_X = 16;
/** The lid's middle at full closure: a touch above the lower edge so the lash line covers the seam. */
const CLOSED_CTRL_Y = 16;
const LID_STEPS = 24;
const IRIS_RADIUS = 16;
/** Iris travel at the gaze limits, pixels. */
const GAZE_RANGE_X = 15;
const GAZE_RANGE_Y = 9;

function outlinePath(g: Graphics | GraphicsContext): void {
  g.moveTo(OUTER.x, OUTER.y)
    .bezierCurveTo(-CTRL_X, UPPER_CTRL_Y, CTRL_X, UPPER_CTRL_Y, INNER.x, INNER.y)
    .bezierCurveTo(CTRL_X, LOWER_CTRL_Y, -CTRL_X, LOWER_CTRL_Y, OUTER.x, OUTER.y)
    .closePath();
}

export interface EyeColours {
  skin: number;
  line: number;
  iris: number;
}

export class EyeRig {
  readonly container = new Container();
  private readonly iris = new Container();
  private readonly lid = new Graphics();
  private readonly lidShapes: GraphicsContext[] = [];
  private lidStep = -1;

  constructor(colours: EyeColours) {
    const white = new Graphics();
    outlinePath(white);
    white.fill(0xfffdfb);
    const mask = new Graphics();
    outlinePath(mask);
    mask.fill(0xffffff);

    const irisArt = new Graphics()
      .circle(0, 0, IRIS_RADIUS)
      .fill(darken(colours.iris, 0.15))
      .circle(0, 2, IRIS_RADIUS - 4)
      .fill(lighten(colours.iris, 0.15))
      .circle(0, 0, 7)
      .fill(0x1a1020)
      .circle(-5, -6, 4.5)
      .fill(0xffffff)
      .circle(5, 6, 2)
      .fill({ color: 0xffffff, alpha: 0.8 });
    this.iris.addChild(irisArt);
    const clipped = new Container();
    clipped.addChild(this.iris, mask);
    clipped.mask = mask;

    for (let i = 0; i <= LID_STEPS; i++) this.lidShapes.push(lidShape(i / LID_STEPS, colours));

    const lowerLine = new Graphics()
      .moveTo(OUTER.x + 6, OUTER.y + 6)
      .bezierCurveTo(-CTRL_X, LOWER_CTRL_Y - 1, CTRL_X, LOWER_CTRL_Y - 1, INNER.x - 4, INNER.y + 4)
      .stroke({ width: 2, color: colours.line, alpha: 0.35, cap: 'round' });
    this.container.addChild(white, clipped, lowerLine, this.lid);
    this.setState(1, 0, 0);
  }

  /**
   * openness 0 closed .. 1 open (above 1: wide, the eye grows a little); gaze -1..1 (x towards the
   * viewer's right, y down) in eye space, already mirrored for this eye.
   */
  setState(openness: number, gazeX: number, gazeY: number): void {
    const closure = 1 - Math.min(1, Math.max(0, openness));
    const step = Math.round(closure * LID_STEPS);
    if (step !== this.lidStep) {
      this.lid.context = this.lidShapes[step];
      this.lidStep = step;
    }
    const wide = Math.max(0, Math.min(0.3, openness - 1));
    this.container.scale.y = 1 + 0.5 * wide;
    // Looking down lowers the lid a little with the eye, as it does in life.
    this.iris.position.set(gazeX * GAZE_RANGE_X, gazeY * GAZE_RANGE_Y + closure * 4);
  }

  destroy(): void {
    this.container.destroy({ children: true });
    for (const c of this.lidShapes) c.destroy();
  }
}

/** The lid at one closure (0 open .. 1 shut): skin between the outline's top and the lid's edge, lashes on the edge. */
function lidShape(closure: number, colours: EyeColours): GraphicsContext {
  const edgeY = UPPER_CTRL_Y + (CLOSED_CTRL_Y - UPPER_CTRL_Y) * closure;
  const g = new GraphicsContext();
  if (closure > 0) {
    g.moveTo(OUTER.x, OUTER.y)
      .bezierCurveTo(-CTRL_X, UPPER_CTRL_Y, CTRL_X, UPPER_CTRL_Y, INNER.x, INNER.y)
      .bezierCurveTo(CTRL_X, edgeY, -CTRL_X, edgeY, OUTER.x, OUTER.y)
      .closePath()
      .fill(colours.skin);
  }
  // Lash line along the lid's edge, heavier towards the outer corner, with a flick past it.
  g.moveTo(INNER.x, INNER.y)
    .bezierCurveTo(CTRL_X, edgeY, -CTRL_X, edgeY, OUTER.x, OUTER.y)
    .lineTo(OUTER.x - 7, OUTER.y - 6 + closure * 6)
    .stroke({ width: 5, color: colours.line, cap: 'round', join: 'round' });
  return g;
}
