/**
 * TrackingFrame -> VTube Studio default input parameters (the ones VTS's own webcam/iPhone
 * tracking feeds, which models are already mapped to). Ranges are VTS's default input ranges.
 *
 * VTS shows the avatar as a mirror of the user: when the user turns to their own right, the
 * avatar turns towards the right of the screen (Live2D ParamAngleX > 0). The angle conventions
 * follow from that: FaceAngleX = yaw, FaceAngleY = pitch, FaceAngleZ = -roll (the frame's roll is
 * clockwise in the un-mirrored camera image). Eye parameters are the eye's direction relative to
 * the head, scaled so EYE_RANGE_DEG reaches +-1, in the same mirrored sense. Left/Right are the
 * user's own sides, as in ARKit-based tracking.
 */

import { BLENDSHAPE_NAMES, type BlendshapeName } from '../../geometry/features/blendshapes';
import type { TrackedFace } from '../../tracking/types';

/** Eye rotation in the head (degrees) that maps to the end of VTS's -1..1 eye range. */
export const EYE_RANGE_DEG = 30;

export interface VtsParameterSpec {
  id: string;
  min: number;
  max: number;
}

/** Every parameter sent, in message order, with the range values are clamped to. */
export const VTS_PARAMETERS = [
  { id: 'FaceAngleX', min: -90, max: 90 },
  { id: 'FaceAngleY', min: -90, max: 90 },
  { id: 'FaceAngleZ', min: -90, max: 90 },
  { id: 'FacePositionX', min: -100, max: 100 },
  { id: 'FacePositionY', min: -100, max: 100 },
  { id: 'FacePositionZ', min: -100, max: 100 },
  { id: 'EyeOpenLeft', min: 0, max: 1 },
  { id: 'EyeOpenRight', min: 0, max: 1 },
  { id: 'EyeLeftX', min: -1, max: 1 },
  { id: 'EyeLeftY', min: -1, max: 1 },
  { id: 'EyeRightX', min: -1, max: 1 },
  { id: 'EyeRightY', min: -1, max: 1 },
  { id: 'MouthOpen', min: 0, max: 1 },
  { id: 'MouthSmile', min: 0, max: 1 },
  { id: 'MouthX', min: -1, max: 1 },
  { id: 'Brows', min: 0, max: 1 },
  { id: 'BrowLeftY', min: 0, max: 1 },
  { id: 'BrowRightY', min: 0, max: 1 },
] as const satisfies readonly VtsParameterSpec[];

export interface VtsParameterValue {
  id: string;
  value: number;
}

/** One preallocated list of {id, value}, rewritten in place for each frame. */
export class VtsParameterMapper {
  readonly values: VtsParameterValue[] = VTS_PARAMETERS.map((p) => ({ id: p.id, value: 0 }));

  /**
   * @param referenceDistanceMm head distance that maps to FacePositionZ = 0; nearer is positive.
   */
  constructor(private readonly referenceDistanceMm = 600) {}

  update(face: TrackedFace): VtsParameterValue[] {
    const { pose, gaze, eyes, mouth, brows, blendshapes } = face;
    const [x, y, z] = pose.translationMm;
    const smileL = blendshapes.mouthSmileLeft;
    const smileR = blendshapes.mouthSmileRight;
    const smile = smileL !== undefined && smileR !== undefined ? (smileL + smileR) / 2 : mouth.wide;
    let i = 0;
    i = this.set(i, pose.yaw);
    i = this.set(i, pose.pitch);
    i = this.set(i, -pose.roll);
    i = this.set(i, -x / 10); // cm; the user moving to their right is camera -x, the screen's right in the mirror
    i = this.set(i, -y / 10); // cm, up positive
    i = this.set(i, (this.referenceDistanceMm - z) / 10);
    i = this.set(i, eyes.left);
    i = this.set(i, eyes.right);
    i = this.set(i, (gaze.left.yaw - pose.yaw) / EYE_RANGE_DEG);
    i = this.set(i, (gaze.left.pitch - pose.pitch) / EYE_RANGE_DEG);
    i = this.set(i, (gaze.right.yaw - pose.yaw) / EYE_RANGE_DEG);
    i = this.set(i, (gaze.right.pitch - pose.pitch) / EYE_RANGE_DEG);
    i = this.set(i, mouth.open);
    i = this.set(i, smile);
    i = this.set(i, (blendshapes.mouthLeft ?? 0) - (blendshapes.mouthRight ?? 0));
    i = this.set(i, (brows.left + brows.right) / 2);
    i = this.set(i, brows.left);
    this.set(i, brows.right);
    return this.values;
  }

  /** Clamps to the parameter's range, rounds to 1e-4 (shorter messages), returns the next index. */
  private set(i: number, value: number): number {
    const spec = VTS_PARAMETERS[i];
    const finite = Number.isFinite(value) ? value : 0;
    this.values[i].value = Math.round(Math.min(spec.max, Math.max(spec.min, finite)) * 1e4) / 1e4;
    return i + 1;
  }
}

// --- custom parameters: the 52 ARKit blend shapes --------------------------------------------------

/**
 * Custom parameter names share one namespace across every plugin in VTS, so ours carry a prefix:
 * "VTLink" + the ARKit name with its first letter capitalised (eyeBlinkLeft -> VTLinkEyeBlinkLeft).
 */
export const VTS_CUSTOM_PREFIX = 'VTLink';

/** VTS accepts 4..32 letters and digits for a custom parameter name. */
const VTS_CUSTOM_NAME = /^[A-Za-z0-9]{4,32}$/;

export interface VtsCustomParameter {
  /** parameterName of the ParameterCreationRequest and id in InjectParameterDataRequest. */
  name: string;
  blendshape: BlendshapeName;
  min: 0;
  max: 1;
  defaultValue: 0;
  /** Shown in VTS's details of the parameter; VTS allows under 256 characters. */
  explanation: string;
}

export function vtsCustomParameterName(blendshape: string): string {
  return VTS_CUSTOM_PREFIX + blendshape.charAt(0).toUpperCase() + blendshape.slice(1);
}

/** One custom parameter per ARKit blend shape, in BLENDSHAPE_NAMES order (the order they are sent in). */
export const VTS_CUSTOM_PARAMETERS: readonly VtsCustomParameter[] = BLENDSHAPE_NAMES.map((blendshape) => {
  const name = vtsCustomParameterName(blendshape);
  // A name VTS would refuse is a bug here, not a runtime condition: fail on load, not in VTS.
  if (!VTS_CUSTOM_NAME.test(name)) throw new Error(`VTube Studio custom parameter name "${name}" is not 4..32 letters and digits`);
  return {
    name,
    blendshape,
    min: 0,
    max: 1,
    defaultValue: 0,
    explanation: `vtlink: ARKit blend shape ${blendshape}, 0..1 (Left/Right are the user's own sides).`,
  };
});

/** Values of VTS_CUSTOM_PARAMETERS, one preallocated {id, value} each, rewritten in place per frame. */
export class VtsBlendshapeMapper {
  readonly values: VtsParameterValue[] = VTS_CUSTOM_PARAMETERS.map((p) => ({ id: p.name, value: 0 }));

  update(face: TrackedFace): VtsParameterValue[] {
    for (let i = 0; i < VTS_CUSTOM_PARAMETERS.length; i++) {
      const v = face.blendshapes[VTS_CUSTOM_PARAMETERS[i].blendshape];
      // A shape the tracker did not make (or a NaN) reads as the parameter's rest value.
      const finite = typeof v === 'number' && Number.isFinite(v) ? v : 0;
      this.values[i].value = Math.round(Math.min(1, Math.max(0, finite)) * 1e4) / 1e4;
    }
    return this.values;
  }
}
