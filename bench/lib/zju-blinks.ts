/**
 * The ZJU Eyeblink clips in ../shared/data/blink-zju/ and their Eyeblink8 ".tag" labels (format in
 * ../shared/data/README.md): per frame a blink id (-1 = none), per-eye "fully closed" / "not visible"
 * flags, the face box and the eye corners.
 *
 * Halves: the clips are split by SUBJECT (the number in "000003M"), so nothing tuned on one half has
 * seen the other half's people: subjects 1-5 tune, subjects 6-11 report.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDataDir } from './paths';

export interface ZjuFrame {
  /** 0-based index of the video frame this row describes. */
  index: number;
  /** -1 outside blinks; frames of one blink share an id. */
  blinkId: number;
  /** The face is labelled not frontal. */
  notFrontal: boolean;
  /** Per eye (subject's sides: the tag's "LE" is the subject's left eye, see below): fully closed. */
  leftClosed: boolean;
  rightClosed: boolean;
  leftHidden: boolean;
  rightHidden: boolean;
  /** Face box x, y, w, h in pixels. */
  box: [number, number, number, number];
  /** Eye corners in pixels, [x0, y0, x1, y1] per eye as the tag lists them. */
  leftCorners: [number, number, number, number];
  rightCorners: [number, number, number, number];
}

export interface ZjuClip {
  name: string;
  video: string;
  subject: number;
  /** Camera view from the file name: F(rontal) B/N/T (glasses variants), U (from below). */
  view: string;
  glasses: boolean;
  frames: ZjuFrame[];
  /** Labelled blinks as inclusive 0-based frame ranges, in order. */
  blinks: { start: number; end: number }[];
}

export type ZjuHalf = 'tune' | 'report';

/** Subjects 1-5 tune, 6 and above report. */
export const halfOf = (clip: ZjuClip): ZjuHalf => (clip.subject <= 5 ? 'tune' : 'report');

export function parseTag(text: string, name: string): { glasses: boolean; frames: ZjuFrame[] } {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === '#start');
  if (start < 0) throw new Error(`${name}: no #start line`);
  const glasses = /#glasses:\s*YES/i.test(text);
  const frames: ZjuFrame[] = [];
  let firstId: number | undefined;
  for (const line of lines.slice(start + 1)) {
    if (!line.trim()) continue;
    if (line.trim() === '#end') break;
    const f = line.split(':');
    if (f.length !== 19) throw new Error(`${name}: expected 19 fields, got ${f.length} in "${line}"`);
    const n = f.map(Number);
    firstId ??= n[0];
    // Eyeblink8 names eyes from the viewer: "LE" is the eye on the image's left, the subject's right.
    frames.push({
      index: n[0] - (firstId >= 1 ? 1 : 0),
      blinkId: n[1],
      notFrontal: f[2] === 'N',
      rightClosed: f[3] === 'C',
      rightHidden: f[4] === 'N',
      leftClosed: f[5] === 'C',
      leftHidden: f[6] === 'N',
      box: [n[7], n[8], n[9], n[10]],
      rightCorners: [n[11], n[12], n[13], n[14]],
      leftCorners: [n[15], n[16], n[17], n[18]],
    });
  }
  return { glasses, frames };
}

/** Inclusive frame ranges of the labelled blinks (consecutive frames with the same id >= 0). */
export function blinkRanges(frames: readonly ZjuFrame[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let prevId = -1;
  let prevIndex = -2;
  for (const f of frames) {
    if (f.blinkId >= 0) {
      if (f.blinkId === prevId && f.index <= prevIndex + 2) out[out.length - 1].end = f.index;
      else out.push({ start: f.index, end: f.index });
    }
    prevId = f.blinkId;
    prevIndex = f.index;
  }
  return out;
}

export function loadZjuClips(dir = path.join(sharedDataDir(), 'blink-zju')): ZjuClip[] {
  const clips: ZjuClip[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tag')).sort()) {
    const name = file.slice(0, -4);
    const m = /^clip\d+_0*(\d+)M_([A-Z]+)$/.exec(name);
    if (!m) throw new Error(`unexpected clip name ${name}`);
    const { glasses, frames } = parseTag(readFileSync(path.join(dir, file), 'utf8'), name);
    clips.push({ name, video: path.join(dir, `${name}.mp4`), subject: Number(m[1]), view: m[2], glasses, frames, blinks: blinkRanges(frames) });
  }
  if (clips.length === 0) throw new Error(`no .tag files in ${dir}`);
  return clips;
}
