/**
 * The serial JSON-lines mode for hobby boards (an Arduino sketch with ArduinoJson, MicroPython's
 * json.loads): one compact JSON object per line, "\n"-terminated, with the key numbers only.
 * Field list in ../serial.ts.
 */

import type { TrackingFrame } from '../../tracking/types';

export const JSON_LINE_VERSION = 1;

/** Rounded to `scale` (10 -> one decimal); non-finite -> 0 so the line stays valid JSON. */
function num(v: number, scale: number): number {
  return Number.isFinite(v) ? Math.round(v * scale) / scale : 0;
}

export function encodeJsonLine(frame: TrackingFrame, seq: number, includeBlendshapes: boolean): string {
  const t = Math.round(frame.timeMs);
  const head = `{"v":${JSON_LINE_VERSION},"seq":${seq & 0xffff},"t":${Number.isFinite(t) ? t : 0}`;
  const face = frame.face;
  if (!face) return `${head},"face":false}\n`;
  const { pose, gaze, eyes, mouth, brows } = face;
  const [x, y, z] = pose.translationMm;
  const vw = mouth.vowels;
  let line =
    `${head},"face":true,"yaw":${num(pose.yaw, 100)},"pitch":${num(pose.pitch, 100)},"roll":${num(pose.roll, 100)}` +
    `,"x":${num(x, 10)},"y":${num(y, 10)},"z":${num(z, 10)}` +
    `,"gaze":[${num(gaze.left.yaw, 100)},${num(gaze.left.pitch, 100)},${num(gaze.right.yaw, 100)},${num(gaze.right.pitch, 100)}]` +
    `,"eyeL":${num(eyes.left, 1000)},"eyeR":${num(eyes.right, 1000)}` +
    `,"mouth":${num(mouth.open, 1000)},"wide":${num(mouth.wide, 1000)}` +
    `,"vowels":[${num(vw.a, 1000)},${num(vw.i, 1000)},${num(vw.u, 1000)},${num(vw.e, 1000)},${num(vw.o, 1000)}]` +
    `,"browL":${num(brows.left, 1000)},"browR":${num(brows.right, 1000)}`;
  if (includeBlendshapes) {
    let bs = '';
    for (const name in face.blendshapes) bs += `${bs ? ',' : ''}${JSON.stringify(name)}:${num(face.blendshapes[name], 1000)}`;
    line += `,"bs":{${bs}}`;
  }
  return `${line}}\n`;
}
