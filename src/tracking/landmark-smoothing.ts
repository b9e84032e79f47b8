/**
 * One Euro smoothing of the tracked points: the 468 mesh points (x, y, z) then the 10 iris points
 * (x, y), in one bank so they stay consistent.
 *
 * The eyelids get their own, faster filter: a blink closes and opens the lids within 100-300 ms, and
 * the landmark filter that keeps a still face still flattened and delayed it (on blink-zju, with the
 * lids smoothed like the rest of the face only 74 % of the frames labelled closed read closed; with
 * the faster lids ... : bench/blink.ts, RESULTS "Blinks").
 */
import { OneEuroBank, type OneEuroParams } from '../filters';
import { LEFT_EYE_CONTOUR_TO_MESH, RIGHT_EYE_CONTOUR_TO_MESH, EYELID_POINTS } from '../vision/eye-contour-table';
import { IRIS_POINTS } from '../vision/iris';
import { MESH_POINTS } from '../vision/mesh';

/**
 * Landmark smoothing defaults (pixels): still faces stay still, fast moves follow within a frame or
 * two. Chosen on cap13_edit2.mp4 against the unsmoothed track: still-frame jitter 0.0030 -> 0.0019 of
 * the eye distance with a p95 deviation from the raw track of 0.018 (1.5/0.05 gave 0.0020 and 0.029).
 */
export const DEFAULT_LANDMARK_SMOOTHING: OneEuroParams = { minCutoff: 0.5, beta: 0.2, dCutoff: 1 };

/** The eyelid points' filter (pixels). */
export const EYELID_SMOOTHING: OneEuroParams = { minCutoff: 3, beta: 1, dCutoff: 5 };

/** Mesh indices of both eyes' lids (the iris model's 16 lid points per eye). */
export const EYELID_MESH_POINTS: readonly number[] = [...RIGHT_EYE_CONTOUR_TO_MESH.slice(0, EYELID_POINTS), ...LEFT_EYE_CONTOUR_TO_MESH.slice(0, EYELID_POINTS)];

export const SMOOTHED_SIGNALS = MESH_POINTS * 3 + IRIS_POINTS * 2 * 2;

/** A bank for the mesh + iris signals: `face` for every point, EYELID_SMOOTHING for the lids. */
export function landmarkFilter(face: Partial<OneEuroParams> = {}): OneEuroBank {
  const bank = new OneEuroBank(SMOOTHED_SIGNALS, { ...DEFAULT_LANDMARK_SMOOTHING, ...face });
  for (const i of EYELID_MESH_POINTS) bank.setParams(i * 3, 3, EYELID_SMOOTHING);
  return bank;
}
