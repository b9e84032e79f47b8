/**
 * Draws what the tracker sees over the camera preview: the 468 mesh points (detail=full) or the 68
 * iBUG outline (detail=landmarks68), the irises, the head's axes and both eyes' gaze. Coordinates
 * arrive in source-frame pixels (TrackingFrame); `scale` maps them to the preview canvas.
 */
import type { Vec2, Vec3 } from '../../../src/tracking/types';
import type { StreamFace } from './stream-frame';

/** iBUG 68-point outline runs: [first, last, closed]. */
const OUTLINE_RUNS: [number, number, boolean][] = [
  [0, 16, false], // jaw
  [17, 21, false], // brows
  [22, 26, false],
  [27, 30, false], // nose bridge
  [31, 35, false], // nostrils
  [36, 41, true], // eyes
  [42, 47, true],
  [48, 59, true], // outer lips
  [60, 67, true], // inner lips
];

const COLOURS = {
  mesh: 'rgba(120, 240, 255, 0.75)',
  outline: 'rgba(120, 240, 255, 0.9)',
  iris: '#ffd166',
  axisX: '#ff4d6d',
  axisY: '#52d273',
  axisZ: '#4dabff',
  gaze: '#ffd166',
  box: 'rgba(255, 255, 255, 0.35)',
};

/** Rotation matrix columns (model x, y, z in the camera frame) from a [w, x, y, z] quaternion. */
function rotationColumns(q: readonly number[]): [Vec3, Vec3, Vec3] {
  const [w, x, y, z] = q;
  return [
    [1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)],
    [2 * (x * y - w * z), 1 - 2 * (x * x + z * z), 2 * (y * z + w * x)],
    [2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)],
  ];
}

function irisCircle(g: CanvasRenderingContext2D, points: Vec2[], first: number, s: number): void {
  const c = points[first];
  if (!c) return;
  let r = 0;
  for (let i = 1; i <= 4; i++) {
    const p = points[first + i];
    if (p) r += Math.hypot(p[0] - c[0], p[1] - c[1]) / 4;
  }
  g.beginPath();
  g.arc(c[0] * s, c[1] * s, Math.max(1.5, r * s), 0, Math.PI * 2);
  g.stroke();
}

function line(g: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number, colour: string): void {
  g.strokeStyle = colour;
  g.beginPath();
  g.moveTo(x0, y0);
  g.lineTo(x1, y1);
  g.stroke();
}

export function drawFaceOverlay(g: CanvasRenderingContext2D, face: StreamFace, scale: number): void {
  const s = scale;
  const [bx, by, bw, bh] = face.box;
  g.save();
  g.lineWidth = Math.max(1, 1.5 * Math.min(1, s * 2));
  g.strokeStyle = COLOURS.box;
  g.strokeRect(bx * s, by * s, bw * s, bh * s);

  if (face.landmarks) {
    g.fillStyle = COLOURS.mesh;
    const d = Math.max(1, 1.6 * s);
    for (const p of face.landmarks) g.fillRect(p[0] * s - d / 2, p[1] * s - d / 2, d, d);
  } else if (face.landmarks68) {
    g.strokeStyle = COLOURS.outline;
    for (const [a, b, closed] of OUTLINE_RUNS) {
      g.beginPath();
      for (let i = a; i <= b; i++) {
        const p = face.landmarks68[i];
        if (!p) continue;
        if (i === a) g.moveTo(p[0] * s, p[1] * s);
        else g.lineTo(p[0] * s, p[1] * s);
      }
      if (closed) g.closePath();
      g.stroke();
    }
  }

  if (face.iris) {
    g.strokeStyle = COLOURS.iris;
    irisCircle(g, face.iris, 0, s);
    irisCircle(g, face.iris, 5, s);
  }

  // Head axes from the nose tip (mesh point 1, iBUG 30, else the box centre), length ~ half the face.
  const nose: Vec2 | Vec3 | undefined = face.landmarks?.[1] ?? face.landmarks68?.[30];
  const ox = (nose ? nose[0] : bx + bw / 2) * s;
  const oy = (nose ? nose[1] : by + bh / 2) * s;
  const len = 0.5 * bw * s;
  const [ax, ay, az] = rotationColumns(face.pose.quaternion);
  g.lineWidth = Math.max(2, 2.5 * Math.min(1, s * 2));
  line(g, ox, oy, ox + ax[0] * len, oy + ax[1] * len, COLOURS.axisX);
  line(g, ox, oy, ox + ay[0] * len, oy + ay[1] * len, COLOURS.axisY);
  // The model's z points back into the head; draw the face's forward direction (-z).
  line(g, ox, oy, ox - az[0] * len, oy - az[1] * len, COLOURS.axisZ);

  // Gaze: from each iris centre along the eye's gaze vector (its image-plane part).
  if (face.iris) {
    const glen = 0.6 * bw * s;
    const eyes: [Vec2 | undefined, Vec3][] = [
      [face.iris[0], face.gaze.right.vector],
      [face.iris[5], face.gaze.left.vector],
    ];
    for (const [c, v] of eyes) if (c) line(g, c[0] * s, c[1] * s, c[0] * s + v[0] * glen, c[1] * s + v[1] * glen, COLOURS.gaze);
  }
  g.restore();
}
