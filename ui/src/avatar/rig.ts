/**
 * AvatarRig: the character as parts on a skeleton, posed from one AvatarSample per drawn frame.
 *
 * Skeleton: hips (body pivot) -> neck base -> neck joint -> head. The body leans with the head's
 * sideways position and roll and breathes (a slow scale of the torso). The head rolls about the neck
 * joint; yaw and pitch are shown by depth parallax: each layer of the face shifts by sin(angle) times
 * its depth (back hair -0.5 moves against the turn, face 0.15, eyes 0.55, nose 0.9, fringe 0.8), the
 * eye spacing narrows and the far eye foreshortens.
 */
import { Container, type Bounds } from 'pixi.js';
import { backHairArt, blushArt, bodyArt, browArt, faceArt, frontHairArt, noseArt } from './art';
import type { AvatarDefinition, ResolvedColours } from './characters';
import { EyeRig } from './eye';
import { MouthRig } from './mouth';
import type { AvatarSample } from './sample';

const DEG = Math.PI / 180;
/** Pixels a layer of depth 1 moves at sin(angle) = 1. */
const PARALLAX_PX = 55;
/** Hips to neck base, neck base to neck joint, neck joint to head centre. */
const TORSO_LENGTH = 420;
const NECK_LENGTH = 80;
const HEAD_ABOVE_JOINT = 110;
const EYE_X = 58;
const EYE_Y = 10;
const BROW_Y = -38;
const BREATH_PERIOD_MS = 4200;

/** The part of rig space the layout keeps on screen (bust: head, shoulders; cut at the bottom). */
export const RIG_EXTENT = { left: -340, right: 340, top: -450, bottom: TORSO_LENGTH };

interface Layer {
  node: Container;
  depth: number;
  x: number;
  y: number;
}

export class AvatarRig {
  /** Everything, origin at the neck base. */
  readonly root = new Container();
  readonly extent = RIG_EXTENT;
  private readonly body = new Container();
  private readonly headBack = new Container();
  private readonly head = new Container();
  private readonly layers: Layer[] = [];
  private readonly eyeLayers: Layer[];
  private readonly eyes: [EyeRig, EyeRig];
  private readonly brows: [Container, Container];
  private readonly mouth: MouthRig;

  constructor(def: AvatarDefinition, colours: ResolvedColours) {
    this.body.addChild(bodyArt(def, colours));
    this.body.pivot.set(0, TORSO_LENGTH);
    this.body.position.set(0, TORSO_LENGTH);

    this.addLayer(this.headBack, backHairArt(def, colours), -0.5, 0, 0);
    this.addLayer(this.head, faceArt(colours), 0.15, 0, 0);
    this.addLayer(this.head, blushArt(colours), 0.45, 0, 55);
    // Eyes and brows: index 0 on the viewer's left (the subject's right eye in an unmirrored image).
    const eyeColours = { skin: colours.skin, line: colours.line, iris: colours.accent };
    this.eyes = [new EyeRig(eyeColours), new EyeRig(eyeColours)];
    this.eyes[1].container.scale.x = -1;
    this.addLayer(this.head, this.eyes[0].container, 0.55, -EYE_X, EYE_Y);
    this.addLayer(this.head, this.eyes[1].container, 0.55, EYE_X, EYE_Y);
    this.eyeLayers = this.layers.slice(-2);
    const brows: [Container, Container] = [new Container(), new Container()];
    brows[0].addChild(browArt(colours));
    brows[1].addChild(browArt(colours));
    brows[1].scale.x = -1;
    this.brows = brows;
    this.addLayer(this.head, brows[0], 0.6, -EYE_X, BROW_Y);
    this.addLayer(this.head, brows[1], 0.6, EYE_X, BROW_Y);
    this.addLayer(this.head, noseArt(colours), 0.9, 0, 52);
    this.mouth = new MouthRig(colours);
    this.addLayer(this.head, this.mouth.container, 0.6, 0, 95);
    this.addLayer(this.head, frontHairArt(def, colours), 0.8, 0, 0);

    this.root.addChild(this.headBack, this.body, this.head);
  }

  /** Screen-space boxes of the parts the tests and the OBS overlay may want to find. */
  regions(): Record<'leftEye' | 'rightEye' | 'mouth' | 'face', Bounds> {
    return {
      leftEye: this.eyes[0].container.getBounds(),
      rightEye: this.eyes[1].container.getBounds(),
      mouth: this.mouth.container.getBounds(),
      face: this.head.getBounds(),
    };
  }

  apply(s: AvatarSample, nowMs: number): void {
    const sinYaw = Math.sin(s.headYaw * DEG);
    const sinPitch = Math.sin(s.headPitch * DEG);
    // Image senses: yaw > 0 turns the face towards the image's left (-x), pitch > 0 up (-y).
    const shiftX = -sinYaw * PARALLAX_PX;
    const shiftY = -sinPitch * PARALLAX_PX * 0.7;

    const breath = Math.sin((2 * Math.PI * nowMs) / BREATH_PERIOD_MS);
    const lean = s.leanX * 0.12 + s.headRoll * DEG * 0.12;
    const bodyScaleY = 1 + 0.012 * breath;
    this.body.rotation = lean;
    this.body.scale.set(1 + 0.004 * breath, bodyScaleY);
    this.body.position.set(s.leanX * 70, TORSO_LENGTH);

    // The neck joint, carried by the leaning, breathing body.
    const reach = (TORSO_LENGTH + NECK_LENGTH) * bodyScaleY;
    const jointX = this.body.position.x + reach * Math.sin(lean) + shiftX * 0.2;
    const jointY = TORSO_LENGTH - reach * Math.cos(lean) + s.leanY * 20 + shiftY * 0.2;
    this.poseHead(this.head, jointX, jointY, s.headRoll * DEG, sinPitch);
    this.poseHead(this.headBack, jointX, jointY, s.headRoll * DEG, sinPitch);

    for (const layer of this.layers) {
      layer.node.position.set(layer.x + shiftX * layer.depth, layer.y + shiftY * layer.depth);
    }
    // Turned heads bring the eyes together and foreshorten the far one.
    const spacing = 1 - 0.12 * Math.abs(sinYaw);
    for (const l of this.eyeLayers) l.node.position.x = l.x * spacing + shiftX * l.depth;
    this.eyes[0].container.scale.x = 1 - 0.35 * Math.max(0, -sinYaw);
    this.eyes[1].container.scale.x = -(1 - 0.35 * Math.max(0, sinYaw));

    // Eye-in-head gaze as iris travel: ±30° yaw, ±20° pitch reach the eye's edge.
    const gx = Math.max(-1, Math.min(1, -s.gazeYaw / 30));
    const gy = Math.max(-1, Math.min(1, -s.gazePitch / 20));
    // Index 0 (viewer's left) is the subject's right eye in the image; index 1 is mirrored, so its x flips.
    this.eyes[0].setState(s.eyeRight, gx, gy);
    this.eyes[1].setState(s.eyeLeft, -gx, gy);
    this.brows[0].position.y += -16 * s.browRight;
    this.brows[1].position.y += -16 * s.browLeft;
    // Raised brows lift their inner ends most (the second brow is mirrored, hence the opposite sign).
    this.brows[0].rotation = -0.12 * s.browRight;
    this.brows[1].rotation = 0.12 * s.browLeft;
    this.mouth.apply(s);
  }

  destroy(): void {
    for (const e of this.eyes) e.destroy();
    this.root.destroy({ children: true });
  }

  /** The head and the hair behind the body share one transform: rolled about the neck joint, nodding shortens it. */
  private poseHead(part: Container, x: number, y: number, roll: number, sinPitch: number): void {
    part.position.set(x, y);
    part.pivot.set(0, HEAD_ABOVE_JOINT);
    part.rotation = roll;
    part.scale.set(1, 1 - 0.05 * Math.abs(sinPitch));
  }

  private addLayer(parent: Container, node: Container, depth: number, x: number, y: number): void {
    node.position.set(x, y);
    parent.addChild(node);
    this.layers.push({ node, depth, x, y });
  }
}
