import type { TrackedFace, TrackingFrame } from '../tracking/types';

/**
 * How many points a stream client receives with each frame (`?detail=` of /api/stream), smallest
 * first:
 * - `none`: no points: score, box, pose, gaze, eyes, mouth, brows, vowels, blend shapes (the
 *   VTuber rig's inputs; about 1.5 kB a frame);
 * - `pose`: `none` plus the 10 iris points (to draw gaze and the eyes over the preview);
 * - `landmarks68`: `pose` plus the 68 iBUG points (a light face outline);
 * - `full`: the whole TrackingFrame with the 468 mesh points (about 20 kB a frame).
 */
export const STREAM_DETAILS = ['none', 'pose', 'landmarks68', 'full'] as const;
export type StreamDetail = (typeof STREAM_DETAILS)[number];

export function isStreamDetail(v: string): v is StreamDetail {
  return (STREAM_DETAILS as readonly string[]).includes(v);
}

/** The face fields every detail level carries. */
export type StreamFace = Omit<TrackedFace, 'landmarks' | 'iris' | 'landmarks68'> & Partial<Pick<TrackedFace, 'landmarks' | 'iris' | 'landmarks68'>>;
export type StreamFrame = Omit<TrackingFrame, 'face'> & { face: StreamFace | null };

/** The frame as a client at `detail` sees it (shares the frame's objects; nothing is copied deeply). */
export function frameAtDetail(frame: TrackingFrame, detail: StreamDetail): StreamFrame {
  const face = frame.face;
  if (detail === 'full' || face === null) return frame;
  const { landmarks: _all, iris, landmarks68, ...rest } = face;
  const out: StreamFace = rest;
  if (detail === 'pose' || detail === 'landmarks68') out.iris = iris;
  if (detail === 'landmarks68') out.landmarks68 = landmarks68;
  return { ...frame, face: out };
}
