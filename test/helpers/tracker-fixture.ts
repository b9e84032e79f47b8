/** Fixtures the end-to-end tracker tests share: the labelled data folder and one front-detector tracker. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { defaultModelsDir } from '../../src/system/paths';
import { FaceTracker } from '../../src/tracking/tracker';

/** ../shared/data beside the repo root; throws (never skips) when it is missing. */
export function sharedDataDir(): string {
  const repoRoot = path.resolve(__dirname, '../..');
  const data = path.resolve(repoRoot, '../shared/data');
  if (!existsSync(data)) throw new Error(`shared test data missing at ${data}: these tests need it (see /work/shared/data/README.md)`);
  return data;
}

/**
 * One unsmoothed, single-thread front-detector FaceTracker for the calling test file: created in
 * beforeAll, released in afterAll. Read `.tracker` inside tests only.
 */
export function useFrontTracker(): { readonly tracker: FaceTracker } {
  let tracker: FaceTracker | undefined;
  beforeAll(async () => {
    tracker = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1, smoothing: false });
  });
  afterAll(async () => {
    await tracker?.release();
  });
  return {
    get tracker(): FaceTracker {
      if (!tracker) throw new Error('the tracker fixture is read before beforeAll created it');
      return tracker;
    },
  };
}
