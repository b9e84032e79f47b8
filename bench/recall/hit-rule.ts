/**
 * The one rule by which every detector's box is judged against a labelled face (bench/detector-recall.ts).
 *
 * Label box: the extent of the 68 labelled points, widened by 10 % of its width on each side and
 * raised by 25 % of its height at the top. WHY: the 68 points run from the brows to the chin and
 * between the jaw's ends, while detectors' boxes (BlazeFace, RetinaFace/WIDER FACE) also take in
 * the forehead and a little margin; without the expansion a good box loses IoU for being "too big".
 * Hit: a detection whose IoU with the label box is >= 0.3, OR whose box holds both labelled eye
 * centres (the means of points 36-41 and 42-47) while its area is within 1/4..4x the label box's
 * (so a frame-filling box does not count by containing everything).
 */
export type Pt = readonly [number, number];

export interface Box { xMin: number; yMin: number; width: number; height: number }

export const HIT_IOU = 0.3;
const SIDE_MARGIN = 0.1;
const TOP_MARGIN = 0.25;
const AREA_RATIO = 4;

export function labelBox(pts68: readonly Pt[]): Box {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of pts68) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y);
    x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  const w = x1 - x0;
  const h = y1 - y0;
  return { xMin: x0 - SIDE_MARGIN * w, yMin: y0 - TOP_MARGIN * h, width: w * (1 + 2 * SIDE_MARGIN), height: h * (1 + TOP_MARGIN) };
}

export function eyeCentres(pts68: readonly Pt[]): [Pt, Pt] {
  const mean = (from: number): Pt => {
    let x = 0, y = 0;
    for (let i = from; i < from + 6; i++) { x += pts68[i][0]; y += pts68[i][1]; }
    return [x / 6, y / 6];
  };
  return [mean(36), mean(42)];
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.xMin + a.width, b.xMin + b.width) - Math.max(a.xMin, b.xMin));
  const iy = Math.max(0, Math.min(a.yMin + a.height, b.yMin + b.height) - Math.max(a.yMin, b.yMin));
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

function holds(b: Box, [x, y]: Pt): boolean {
  return x >= b.xMin && x <= b.xMin + b.width && y >= b.yMin && y <= b.yMin + b.height;
}

export interface Judgement { hit: boolean; bestIou: number }

/** Whether any of `boxes` finds the labelled face, and the best IoU among them (0 when none). */
export function judge(boxes: readonly Box[], pts68: readonly Pt[]): Judgement {
  const label = labelBox(pts68);
  const [e0, e1] = eyeCentres(pts68);
  const labelArea = label.width * label.height;
  let hit = false;
  let bestIou = 0;
  for (const b of boxes) {
    const o = iou(b, label);
    bestIou = Math.max(bestIou, o);
    const ratio = (b.width * b.height) / labelArea;
    if (o >= HIT_IOU || (holds(b, e0) && holds(b, e1) && ratio >= 1 / AREA_RATIO && ratio <= AREA_RATIO)) hit = true;
  }
  return { hit, bestIou };
}
