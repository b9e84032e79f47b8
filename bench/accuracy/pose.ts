/** Head-pose error against AFLW2000-3D's labels (degrees, the dataset's Pose_Para convention). */
import path from 'node:path';
import type { FaceTracker } from '../../src/tracking/tracker';
import type { PoseLabelled } from './datasets';
import { angleDiffDeg } from './metrics';
import { trackStill } from './track-stills';

export interface PoseError {
  file: string;
  found: boolean;
  /** Signed errors, estimate minus label, degrees (NaN when no face). */
  yaw: number;
  pitch: number;
  roll: number;
}

export interface PoseSummary {
  images: number;
  missed: number;
  yawMae: number;
  pitchMae: number;
  rollMae: number;
  /** Mean of the three MAEs. */
  meanMae: number;
}

export async function poseErrors(tracker: FaceTracker, labels: readonly PoseLabelled[]): Promise<PoseError[]> {
  const out: PoseError[] = [];
  for (const l of labels) {
    const face = await trackStill(tracker, l.file);
    const file = path.basename(l.file);
    if (!face) out.push({ file, found: false, yaw: Number.NaN, pitch: Number.NaN, roll: Number.NaN });
    else
      out.push({
        file,
        found: true,
        yaw: angleDiffDeg(face.pose.yaw, l.yaw),
        pitch: angleDiffDeg(face.pose.pitch, l.pitch),
        roll: angleDiffDeg(face.pose.roll, l.roll),
      });
  }
  return out;
}

export function summarizePose(errors: readonly PoseError[]): PoseSummary {
  const found = errors.filter((e) => e.found);
  const mae = (k: 'yaw' | 'pitch' | 'roll'): number => found.reduce((s, e) => s + Math.abs(e[k]), 0) / found.length;
  const yawMae = mae('yaw');
  const pitchMae = mae('pitch');
  const rollMae = mae('roll');
  return { images: errors.length, missed: errors.length - found.length, yawMae, pitchMae, rollMae, meanMae: (yawMae + pitchMae + rollMae) / 3 };
}
